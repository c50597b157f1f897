package io.sluice.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.handler.HandlerApplication;
import io.sluice.loader.LoaderApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A partner's gzipped CSV loaded into the warehouse by a getter in its own JVM, killed with SIGKILL mid-file: the
 * next getter resumes from the last confirmed line, and the target ends with every line once; a later file's row
 * for the same key wins.
 */
class FilesIT {

    private static final int LINES = 300_000;

    private final TestDatabase target = TestPostgres.get().newDatabase("files_target");
    private final String prefix = RabbitBroker.uniquePrefix("files");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private ConfigurableApplicationContext loader;
    private ConfigurableApplicationContext handler;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (handler != null) {
            handler.close();
        }
        if (loader != null) {
            loader.close();
        }
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void killedMidFileTheGetterResumesAndTheTargetHoldsEveryLineOnce() throws Exception {
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        loader = LoaderApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--spring.datasource.url=" + target.jdbcUrl(),
                                "--sluice.loader.allowed-targets=shop.orders"));
        handler = HandlerApplication.create().run(RabbitBroker.get().serviceArgs(prefix));
        Path big = inbox.resolve("orders-1.csv.gz");
        try (BufferedWriter out =
                new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(big)), UTF_8))) {
            out.write("id,amount,note\n");
            for (int i = 1; i <= LINES; i++) {
                out.write(i + "," + (i % 1000) + ".25,\"line " + i + ", first file\"\n");
            }
        }
        Files.writeString(inbox.resolve("orders-1.csv.gz.done"), "");

        ServiceProcess getter = startGetter(inbox);
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> confirmedLine() > 20_000);
        getter.kill();
        long confirmedAtKill = confirmedLine();
        assertThat(confirmedAtKill).as("killed mid-file").isLessThan(LINES);

        getter = startGetter(inbox);
        try {
            // A later file updates a key the first one loaded: its higher ledger version wins.
            Files.writeString(inbox.resolve("orders-2.csv"), "id,amount,note\n7,777.00,second file\n");
            Files.writeString(inbox.resolve("orders-2.csv.done"), "");
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> target.queryLong("SELECT count(*) FROM sluice.files WHERE state = 'done'") == 2
                            && target.queryLong("SELECT count(*) FROM shop.orders") == LINES);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> "second file".equals(target.queryValue("SELECT note FROM shop.orders WHERE id = 7")));
            assertThat(target.queryLong("SELECT count(*) FROM shop.orders WHERE note <> 'line ' || id || ', first file'"
                            + " OR amount <> (id % 1000) + 0.25"))
                    .as("rows whose values are not their line's")
                    .isEqualTo(1); // id 7, from the second file
            assertThat(target.queryLong("SELECT max(id) - min(id) + 1 FROM shop.orders"))
                    .isEqualTo(LINES);
            assertThat(target.queryValue("SELECT rows FROM sluice.files WHERE path = 'orders-1.csv.gz'"))
                    .isEqualTo((long) LINES);
            assertThat(inbox.resolve("archive/orders-1.csv.gz")).exists();
        } finally {
            getter.close();
        }
    }

    private long confirmedLine() {
        return target.queryLong("SELECT coalesce(max(confirmed_line), 0) FROM sluice.files");
    }

    private ServiceProcess startGetter(Path inbox) throws Exception {
        return ServiceProcess.start(
                "getter",
                "256m",
                List.of(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--sluice.getter.cdc.enabled=false",
                                "--spring.datasource.url=" + target.jdbcUrl(),
                                // As a container restarted in its pod: the same owner takes its file back at once.
                                "--sluice.getter.files.owner=getter-0",
                                "--sluice.getter.files.poll-interval=200ms",
                                "--sluice.getter.files.progress-interval=100ms",
                                "--sluice.getter.files.max-batch-rows=1000",
                                "--sluice.getter.files.sources[0].name=partners",
                                "--sluice.getter.files.sources[0].directory=" + inbox,
                                "--sluice.getter.files.sources[0].marker=.done",
                                "--sluice.getter.files.sources[0].table=shop.orders",
                                "--sluice.getter.files.sources[0].columns=id,amount,note",
                                "--sluice.getter.files.sources[0].key=id",
                                "--sluice.getter.files.sources[0].types.id=int8",
                                "--sluice.getter.files.sources[0].types.amount=numeric(12,2)")));
    }
}
