package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.handler.HandlerApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A table without a key (REPLICA IDENTITY FULL, NULLs, duplicate rows) copied while the getter is killed -9 mid-snapshot
 * and mid-stream, the loader killed -9 mid-stream, and the application updates, deletes, truncates and refills it: the
 * target ends with exactly the source's rows, each as many times as the source has it.
 */
class KeylessTableIT {

    /** Each distinct row of the table with how many times it is there. */
    private static final String MULTISET =
            "SELECT ROW(kind, n, note, body)::text AS r, count(*) FROM events GROUP BY r";

    private final TestDatabase source = TestPostgres.get().newDatabase("keyless_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("keyless_target");
    private final String prefix = RabbitBroker.uniquePrefix("keyless");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private ConfigurableApplicationContext handler;

    @AfterEach
    void stop() {
        if (handler != null) {
            handler.close();
        }
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void theTargetEqualsTheSourceAsAMultisetThroughKillsTruncatesAndRefills() throws Exception {
        source.execute(
                "CREATE TABLE events (kind text, n int, note text, body text)",
                "ALTER TABLE events REPLICA IDENTITY FULL",
                // Duplicates (kind, n repeat every 500 rows) and NULLs in every column but kind.
                "INSERT INTO events SELECT 'k' || (i % 500), CASE WHEN i % 11 = 0 THEN NULL ELSE i % 500 END,"
                        + " CASE WHEN i % 7 = 0 THEN NULL ELSE 'note ' || (i % 500) END, repeat('x', 150)"
                        + " FROM generate_series(1, 40000) i");
        handler = HandlerApplication.create().run(RabbitBroker.get().serviceArgs(prefix));
        ServiceProcess loader = startLoader();
        ServiceProcess getter = startGetter();
        // The application writes from the start: changes between the first snapshot's point and the resumed one's
        // are both streamed and in the rows read after the crash.
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> write(new Random(7), stop));
        try {
            await().atMost(Duration.ofSeconds(90))
                    .ignoreExceptions() // until the loader made the state schema
                    .until(() ->
                            target.queryLong("SELECT count(*) FROM sluice.snapshot_chunks WHERE state = 'done'") >= 3);
            getter.kill();
            assertThat(target.queryLong("SELECT count(*) FROM sluice.snapshot_chunks WHERE state = 'pending'"))
                    .as("killed mid-snapshot")
                    .isPositive();

            getter = startGetter();
            await().atMost(Duration.ofSeconds(120))
                    .until(() ->
                            "done".equals(target.queryValue("SELECT state FROM sluice.snapshots WHERE scope = ''")));
            stop.set(true);
            writes.join();
            awaitEqual("after the resumed snapshot");

            stop.set(false);
            writes = CompletableFuture.runAsync(() -> write(new Random(11), stop));
            awaitLoaded(Duration.ofSeconds(60));
            loader.kill(); // mid-stream
            loader = startLoader();
            source.execute(
                    "TRUNCATE events",
                    "INSERT INTO events SELECT 'refill', i % 10, NULL, 'r' FROM generate_series(1, 3000) i");
            awaitLoaded(Duration.ofSeconds(60));
            getter.kill(); // mid-stream again
            getter = startGetter();
            awaitLoaded(Duration.ofSeconds(60));
            stop.set(true);
            writes.join();
            awaitEqual("after kills, a truncate and a refill");
            assertThat(target.queryLong("SELECT count(*) FROM events"))
                    .isEqualTo(source.queryLong("SELECT count(*) FROM events"));
        } finally {
            stop.set(true);
            getter.close();
            loader.close();
        }
    }

    private void awaitEqual(String when) {
        try {
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> differences().isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("rows whose count differs " + when + ":\n" + explain(), e);
        }
    }

    /** Each row whose number of copies differs: its values, with its count in the source and in the target. */
    private Map<String, List<Long>> differences() {
        Map<String, List<Long>> counts = new TreeMap<>();
        for (List<Object> row : source.query(MULTISET)) {
            counts.put((String) row.get(0), new ArrayList<>(List.of((Long) row.get(1), 0L)));
        }
        for (List<Object> row : target.query(MULTISET)) {
            counts.computeIfAbsent((String) row.get(0), k -> new ArrayList<>(List.of(0L, 0L)))
                    .set(1, (Long) row.get(1));
        }
        counts.values().removeIf(c -> c.get(0).equals(c.get(1)));
        return counts;
    }

    /** What the target and the delete ledger hold of the rows that differ: the first thing to look at on a failure. */
    private String explain() {
        StringBuilder out = new StringBuilder();
        for (String row : differences().keySet()) {
            String literal = "'" + row.replace("'", "''") + "'";
            out.append(row)
                    .append(": target versions ")
                    .append(target.query(
                            "SELECT _sluice_lsn, _sluice_seq FROM events WHERE ROW(kind, n, note, body)::text = "
                                    + literal))
                    .append("; deletes ")
                    .append(target.query("SELECT lsn, seq, matched_lsn, matched_seq FROM sluice.keyless_deletes"
                            + " WHERE row_hash = md5(" + literal + ")"))
                    .append('\n');
        }
        out.append("truncations ").append(target.query("SELECT lsn, seq FROM sluice.truncations"));
        return out.toString();
    }

    /** Waits for the loader to have written something since the call, so that the next kill lands mid-stream. */
    private void awaitLoaded(Duration timeout) {
        long before = target.queryLong("SELECT coalesce(max(_sluice_lsn), 0) FROM events");
        await().atMost(timeout)
                .until(() -> target.queryLong("SELECT coalesce(max(_sluice_lsn), 0) FROM events") > before);
    }

    /**
     * Small transactions until stopped: inserts of rows that often already exist, updates and deletes of some copies
     * of a row (by ctid, as an application without a key would), NULLs included.
     */
    private void write(Random random, AtomicBoolean stop) {
        try (Connection c = source.connect();
                PreparedStatement insert = c.prepareStatement("INSERT INTO events VALUES (?, ?, ?, 'w')");
                PreparedStatement update = c.prepareStatement("UPDATE events SET n = coalesce(n, 0) + 1, note = NULL"
                        + " WHERE ctid IN (SELECT ctid FROM events WHERE kind = ? LIMIT 2)");
                PreparedStatement delete = c.prepareStatement(
                        "DELETE FROM events WHERE ctid IN (SELECT ctid FROM events WHERE kind = ? LIMIT 1)")) {
            c.setAutoCommit(false);
            while (!stop.get()) {
                for (int i = 0, changes = 1 + random.nextInt(20); i < changes; i++) {
                    String kind = random.nextInt(4) == 0 ? "refill" : "k" + random.nextInt(500);
                    switch (random.nextInt(3)) {
                        case 0 -> {
                            insert.setString(1, kind);
                            insert.setObject(2, random.nextInt(5) == 0 ? null : random.nextInt(3));
                            insert.setString(3, random.nextBoolean() ? null : "w " + random.nextInt(3));
                            insert.executeUpdate();
                        }
                        case 1 -> {
                            update.setString(1, kind);
                            update.executeUpdate();
                        }
                        default -> {
                            delete.setString(1, kind);
                            delete.executeUpdate();
                        }
                    }
                }
                c.commit();
                try (Statement pause = c.createStatement()) {
                    pause.execute("SELECT pg_sleep(0.005)"); // an application's pace, not a bulk load
                }
                c.commit();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private ServiceProcess startLoader() throws Exception {
        return ServiceProcess.start(
                "loader",
                "384m",
                List.of(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--spring.datasource.url=" + target.jdbcUrl(),
                                "--sluice.loader.tables[public.events].truncate=true")));
    }

    private ServiceProcess startGetter() throws Exception {
        return ServiceProcess.start(
                "getter",
                "384m",
                List.of(GetterArgs.of(
                        prefix,
                        source,
                        target,
                        "--sluice.getter.cdc.snapshot.chunk-pages=16",
                        "--sluice.getter.cdc.snapshot.parallelism=1",
                        "--sluice.getter.cdc.max-batch-rows=100", // a chunk in several batches: killed mid-chunk
                        "--sluice.getter.cdc.retry-backoff=500ms")));
    }
}
