package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.common.batch.ChangeBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code sluice dead-letters} against the machine's broker, as an operator uses it: letters listed with their reasons,
 * a dry run that changes nothing, a replay that sends back only what the filter takes and removes only what the broker
 * confirmed, a second failure that comes back counted and is not replayed forever, and a purge that asks first.
 */
class DeadLettersIT {

    private final CliBroker broker = new CliBroker();
    private final Topology topology = broker.topology();
    private final BatchMessages messages = CliBroker.MESSAGES;

    @AfterEach
    void cleanUp() throws Exception {
        broker.close();
    }

    @Test
    void listReplayAndPurgeAsAnOperatorWould() throws Exception {
        deadLetter(Stage.HANDLER, "public.orders", "lookup customers: no row for id 7", 0);
        deadLetter(Stage.HANDLER, "public.items", "mask: column card is missing", 0);
        deadLetter(Stage.LOADER, "public.orders", "value too long for type character varying(8)", 0);

        CliRun list = run("dead-letters", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out())
                .contains("lookup customers: no row for id 7", "mask: column card is missing", "character varying(8)")
                .contains("3 dead letters");

        CliRun json = run("dead-letters", "list", "--json", "--stage", "handler", "--table", "public.ord*");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : json.out().strip().split("\n")) {
            lines.add(JsonMapper.builder().build().readTree(line));
        }
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst().get("reason").asString()).isEqualTo("lookup customers: no row for id 7");
        assertThat(lines.getFirst().get("exchange").asString()).isEqualTo(topology.rawExchange());

        CliRun dry = run("dead-letters", "replay", "--dry-run");
        assertThat(dry.code()).isZero();
        assertThat(dry.out()).contains("would replay 3");
        assertThat(depth(topology.deadLetterQueue(Stage.HANDLER))).isEqualTo(2);
        assertThat(depth(topology.handlerQueue())).isZero();

        CliRun replay = run("dead-letters", "replay", "--stage", "handler", "--reason", "NO ROW");
        assertThat(replay.code()).isZero();
        assertThat(replay.out()).contains("replayed 1, skipped 0, failed 0");
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
        CliRun again = run("dead-letters", "list", "--stage", "handler", "--reason", "still");
        assertThat(again.out()).containsPattern("public\\.orders\\s+1\\s+1\\s+lookup customers: still no row");
        CliRun limited = run("dead-letters", "replay", "--reason", "still", "--max-replays", "1");
        assertThat(limited.code()).isEqualTo(1);
        assertThat(limited.out()).contains("replayed 1 times already", "replayed 0, skipped 1, failed 0");
        assertThat(depth(topology.deadLetterQueue(Stage.HANDLER))).isEqualTo(2);

        CliRun unasked = run("dead-letters", "purge", "--stage", "handler");
        assertThat(unasked.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(unasked.err()).contains("add --yes");
        CliRun purge = run("dead-letters", "purge", "--stage", "handler", "--yes");
        assertThat(purge.code()).isZero();
        assertThat(depth(topology.deadLetterQueue(Stage.HANDLER))).isZero();
        assertThat(depth(topology.deadLetterQueue(Stage.LOADER))).isEqualTo(1);
    }

    /**
     * A replay of 1,000 dead letters killed half-way (kill -9 of the CLI): every letter is still somewhere, either
     * back in its work queue or still a dead letter (one replayed whose removal the kill cut off is in both, which the
     * versioned merge absorbs), and a second replay finishes the job.
     */
    @Test
    void aReplayKilledHalfWayLosesNothingAndASecondReplayFinishesIt() throws Exception {
        int letters = 1_000;
        for (int id = 1; id <= letters; id++) {
            broker.deadLetter(Stage.LOADER, "public.orders", "value too long", 0, id);
        }
        String work = topology.loaderQueue("warehouse");
        String dead = topology.deadLetterQueue(Stage.LOADER);
        java.nio.file.Path log = java.nio.file.Files.createTempFile("sluice-cli-replay", ".log");
        Process replay = io.sluice.testkit.JarRun.start(
                "cli", broker.args("dead-letters", "replay", "--stage", "loader"), java.util.Map.of(), log);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(2))
                .until(() -> depth(work) >= 50 || !replay.isAlive());
        replay.destroyForcibly().waitFor();
        long replayedBeforeTheKill = depth(work);
        assertThat(replayedBeforeTheKill)
                .as("killed half-way: "
                        + java.nio.file.Files.readString(log).lines().reduce("", (a, b) -> b))
                .isBetween(1L, letters - 1L);
        System.out.println("replay killed after " + replayedBeforeTheKill + " of " + letters + " letters");
        // The broker gives the letters the dead CLI held (unacknowledged) back to the dead-letter queue.
        await().atMost(Duration.ofSeconds(30)).until(() -> depth(work) + depth(dead) >= letters);

        CliRun second = CliRun.jar(broker.args("dead-letters", "replay", "--stage", "loader"));
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).containsPattern("replayed \\d+, skipped 0, failed 0");
        assertThat(depth(dead)).isZero();
        assertThat(ids(work)).hasSize(letters).contains(1L, (long) letters);
    }

    /** The row ids of every batch in a queue, taken from it; a batch that arrived twice is counted once. */
    private java.util.Set<Long> ids(String queue) throws Exception {
        java.util.Set<Long> ids = new java.util.HashSet<>();
        GetResponse message;
        while ((message = broker.take(queue)) != null) {
            ChangeBatch batch =
                    messages.fromBody(message.getBody(), message.getProps().getContentEncoding());
            batch.rows().forEach(row -> ids.add(Long.parseLong(row.values().getFirst())));
        }
        return ids;
    }

    @Test
    void anUnreachableBrokerIsOneLineAndExitCodeOne() {
        CliRun run = CliRun.of(List.of("dead-letters", "list", "--host", "127.0.0.1", "--port", "1"));

        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err().strip())
                .startsWith("sluice: cannot connect to the broker at 127.0.0.1:1/")
                .doesNotContain("\tat ");
    }

    @Test
    void wrongUsageIsExitCodeTwoWithHelp() {
        CliRun run = CliRun.of(List.of("dead-letters", "list", "--stage", "everything"));

        assertThat(run.code()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(run.err()).contains("'everything' is not a stage", "Usage:");
    }

    private CliRun run(String... args) {
        return CliRun.of(broker.args(args));
    }

    private void deadLetter(Stage stage, String table, String reason, int replays) {
        broker.deadLetter(stage, table, reason, replays);
    }

    private static ChangeBatch batch(String table) {
        return CliBroker.batch(table);
    }

    private long depth(String queue) throws Exception {
        return broker.depth(queue);
    }

    private GetResponse take(String queue) throws Exception {
        return broker.take(queue);
    }
}
