package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.testkit.RabbitBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code sluice dead-letters} against the machine's broker, as an operator uses it: letters listed with their reasons,
 * a dry run that changes nothing, a replay that sends back only what the filter takes and removes only what the broker
 * confirmed, a second failure that comes back counted and is not replayed forever, and a purge that asks first.
 */
class DeadLettersIT {

    private final RabbitBroker broker = RabbitBroker.get();
    private final String prefix = RabbitBroker.uniquePrefix("cli");
    private final Topology topology = new Topology(prefix, List.of("warehouse"));
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);
    private CachingConnectionFactory factory;
    private RabbitTemplate template;
    private Connection connection;

    @BeforeEach
    void topology() throws Exception {
        connection = broker.newConnection();
        try (Channel channel = connection.createChannel()) {
            channel.exchangeDeclare(topology.rawExchange(), "topic", true);
            channel.exchangeDeclare(topology.cleanExchange(), "topic", true);
            channel.exchangeDeclare(topology.deadLetterExchange(), "direct", true);
            channel.queueDeclare(topology.handlerQueue(), true, false, false, null);
            channel.queueBind(topology.handlerQueue(), topology.rawExchange(), "#");
            channel.queueDeclare(topology.loaderQueue("warehouse"), true, false, false, null);
            channel.queueBind(topology.loaderQueue("warehouse"), topology.cleanExchange(), "warehouse.#");
            for (Stage stage : Stage.values()) {
                channel.queueDeclare(topology.deadLetterQueue(stage), true, false, false, null);
                channel.queueBind(topology.deadLetterQueue(stage), topology.deadLetterExchange(), stage.id());
            }
        }
        factory = new CachingConnectionFactory(broker.host(), broker.port());
        factory.setUsername(broker.username());
        factory.setPassword(broker.password());
        factory.setVirtualHost(broker.virtualHost());
        template = new RabbitTemplate(factory);
    }

    @AfterEach
    void cleanUp() throws Exception {
        factory.destroy();
        connection.close();
        broker.delete(topology.queues(), topology.exchanges());
    }

    @Test
    void listReplayAndPurgeAsAnOperatorWould() throws Exception {
        deadLetter(Stage.HANDLER, "public.orders", "lookup customers: no row for id 7", 0);
        deadLetter(Stage.HANDLER, "public.items", "mask: column card is missing", 0);
        deadLetter(Stage.LOADER, "public.orders", "value too long for type character varying(8)", 0);

        Run list = run("dead-letters", "list");
        assertThat(list.code).isZero();
        assertThat(list.out)
                .contains("lookup customers: no row for id 7", "mask: column card is missing", "character varying(8)")
                .contains("3 dead letters");

        Run json = run("dead-letters", "list", "--json", "--stage", "handler", "--table", "public.ord*");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : json.out.strip().split("\n")) {
            lines.add(JsonMapper.builder().build().readTree(line));
        }
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst().get("reason").asString()).isEqualTo("lookup customers: no row for id 7");
        assertThat(lines.getFirst().get("exchange").asString()).isEqualTo(topology.rawExchange());

        Run dry = run("dead-letters", "replay", "--dry-run");
        assertThat(dry.code).isZero();
        assertThat(dry.out).contains("would replay 3");
        assertThat(depth(topology.deadLetterQueue(Stage.HANDLER))).isEqualTo(2);
        assertThat(depth(topology.handlerQueue())).isZero();

        Run replay = run("dead-letters", "replay", "--stage", "handler", "--reason", "NO ROW");
        assertThat(replay.code).isZero();
        assertThat(replay.out).contains("replayed 1, skipped 0, failed 0");
        assertThat(depth(topology.deadLetterQueue(Stage.HANDLER))).isEqualTo(1);
        GetResponse replayed = take(topology.handlerQueue());
        assertThat(replayed.getProps().getHeaders().get(BatchMessages.HEADER_REPLAYS))
                .isEqualTo(1);
        assertThat(replayed.getProps().getHeaders()).doesNotContainKey(BatchMessages.HEADER_ERROR);
        assertThat(messages.fromBody(replayed.getBody(), replayed.getProps().getContentEncoding()))
                .isEqualTo(batch("public.orders"));
        assertThat(replayed.getEnvelope().getRoutingKey()).isEqualTo("src.public.orders");

        // It fails again: back as a dead letter with its new reason and its count, and not replayed past the limit.
        deadLetter(Stage.HANDLER, "public.orders", "lookup customers: still no row for id 7", 1);
        Run again = run("dead-letters", "list", "--stage", "handler", "--reason", "still");
        assertThat(again.out).containsPattern("public\\.orders\\s+1\\s+1\\s+lookup customers: still no row");
        Run limited = run("dead-letters", "replay", "--reason", "still", "--max-replays", "1");
        assertThat(limited.code).isEqualTo(1);
        assertThat(limited.out).contains("replayed 1 times already", "replayed 0, skipped 1, failed 0");
        assertThat(depth(topology.deadLetterQueue(Stage.HANDLER))).isEqualTo(2);

        Run unasked = run("dead-letters", "purge", "--stage", "handler");
        assertThat(unasked.code).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(unasked.err).contains("add --yes");
        Run purge = run("dead-letters", "purge", "--stage", "handler", "--yes");
        assertThat(purge.code).isZero();
        assertThat(depth(topology.deadLetterQueue(Stage.HANDLER))).isZero();
        assertThat(depth(topology.deadLetterQueue(Stage.LOADER))).isEqualTo(1);
    }

    @Test
    void anUnreachableBrokerIsOneLineAndExitCodeOne() {
        Run run = SluiceCliRun.run(List.of("dead-letters", "list", "--host", "127.0.0.1", "--port", "1"));

        assertThat(run.code).isEqualTo(1);
        assertThat(run.err.strip())
                .startsWith("sluice: cannot connect to the broker at 127.0.0.1:1/")
                .doesNotContain("\tat ");
    }

    @Test
    void wrongUsageIsExitCodeTwoWithHelp() {
        Run run = SluiceCliRun.run(List.of("dead-letters", "list", "--stage", "everything"));

        assertThat(run.code).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err).contains("'everything' is not a stage", "Usage:");
    }

    private Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--host",
                broker.host(),
                "--port",
                String.valueOf(broker.port()),
                "--prefix",
                prefix,
                "--vhost",
                broker.virtualHost()));
        return SluiceCliRun.run(all);
    }

    /** A batch as the stage received it, dead-lettered by it with {@code reason}. */
    private void deadLetter(Stage stage, String table, String reason, int replays) {
        Message received = messages.toMessages(batch(table)).getFirst();
        boolean handler = stage == Stage.HANDLER;
        TableName name = TableName.parse(table);
        received.getMessageProperties()
                .setReceivedExchange(handler ? topology.rawExchange() : topology.cleanExchange());
        received.getMessageProperties()
                .setReceivedRoutingKey(
                        handler ? Topology.rawRoutingKey("src", name) : Topology.cleanRoutingKey("warehouse", name));
        if (replays > 0) {
            received.getMessageProperties().setHeader(BatchMessages.HEADER_REPLAYS, replays);
        }
        template.send(topology.deadLetterExchange(), stage.id(), BatchMessages.deadLetter(received, stage, reason));
    }

    private static ChangeBatch batch(String table) {
        return new ChangeBatch(
                "src",
                Origin.CDC,
                TableName.parse(table),
                List.of(new Column("id", "bigint", true), new Column("note", "text", false)),
                List.of(new Row(Op.INSERT, 100, 1, null, java.util.Arrays.asList("7", null), List.of())));
    }

    private long depth(String queue) throws Exception {
        try (Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        }
    }

    private GetResponse take(String queue) throws Exception {
        try (Channel channel = connection.createChannel()) {
            return channel.basicGet(queue, true);
        }
    }

    /** What a command printed and returned. */
    record Run(int code, String out, String err) {}

    /** Runs the command line in this JVM, as {@code main} would, capturing what it prints. */
    static final class SluiceCliRun {
        static Run run(List<String> args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine line = SluiceCli.commandLine();
            line.setOut(new PrintWriter(out, true));
            line.setErr(new PrintWriter(err, true));
            int code = line.execute(args.toArray(String[]::new));
            return new Run(code, out.toString(), err.toString());
        }
    }
}
