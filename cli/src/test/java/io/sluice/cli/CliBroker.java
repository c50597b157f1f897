package io.sluice.cli;

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
import java.util.ArrayList;
import java.util.List;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/**
 * A Sluice topology of its own (a unique prefix) on the machine's broker, with dead letters made as the stages make
 * them, and the options that point the command line at it.
 */
final class CliBroker implements AutoCloseable {

    static final BatchMessages MESSAGES = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);

    private final RabbitBroker broker = RabbitBroker.get();
    private final String prefix = RabbitBroker.uniquePrefix("cli");
    private final Topology topology = new Topology(prefix, List.of("warehouse"));
    private final CachingConnectionFactory factory;
    private final RabbitTemplate template;
    private final Connection connection;

    CliBroker() {
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
        } catch (Exception e) {
            throw new IllegalStateException("cannot declare the test topology", e);
        }
        factory = new CachingConnectionFactory(broker.host(), broker.port());
        factory.setUsername(broker.username());
        factory.setPassword(broker.password());
        factory.setVirtualHost(broker.virtualHost());
        template = new RabbitTemplate(factory);
    }

    Topology topology() {
        return topology;
    }

    /** The command's arguments followed by the options that reach this broker and topology. */
    List<String> args(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(broker.cliArgs(prefix));
        return all;
    }

    /** A batch as the stage received it, dead-lettered by it with {@code reason}. */
    void deadLetter(Stage stage, String table, String reason, int replays) {
        deadLetter(stage, table, reason, replays, 7);
    }

    /** The same for the batch whose one row has this id. */
    void deadLetter(Stage stage, String table, String reason, int replays, long id) {
        Message received = MESSAGES.toMessages(batch(table, id)).getFirst();
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

    /** A batch waiting in a work queue, as the getter publishes it. */
    void publish(String table) {
        for (Message message : MESSAGES.toMessages(batch(table))) {
            template.send(topology.rawExchange(), Topology.rawRoutingKey("src", TableName.parse(table)), message);
        }
    }

    static ChangeBatch batch(String table) {
        return batch(table, 7);
    }

    static ChangeBatch batch(String table, long id) {
        return new ChangeBatch(
                "src",
                Origin.CDC,
                TableName.parse(table),
                List.of(new Column("id", "bigint", true), new Column("note", "text", false)),
                List.of(new Row(Op.INSERT, 100, 1, null, java.util.Arrays.asList(Long.toString(id), null), List.of())));
    }

    long depth(String queue) throws Exception {
        try (Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        }
    }

    GetResponse take(String queue) throws Exception {
        try (Channel channel = connection.createChannel()) {
            return channel.basicGet(queue, true);
        }
    }

    @Override
    public void close() throws Exception {
        factory.destroy();
        connection.close();
        broker.delete(topology.queues(), topology.exchanges());
    }
}
