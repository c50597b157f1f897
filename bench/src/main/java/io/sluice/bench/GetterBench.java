package io.sluice.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.postgresql.PGConnection;

/**
 * The getter's drain rate against, in the same run: the server's raw pgoutput decode rate, Debezium's embedded
 * PostgreSQL connector publishing the same changes to the same RabbitMQ queue with confirms, and for the snapshot, a
 * plain {@code COPY ... TO STDOUT} of the same table. The seed table is the merge database's {@code feed_log}.
 */
final class GetterBench {

    private static final String TABLE = "(id int8 PRIMARY KEY, c1 int, c2 int, info text, crt_time timestamp)";

    private final long changes;
    private final long snapshotRows;
    private final TestDatabase source = TestPostgres.get().newDatabase("bench_source");
    private final TestDatabase state = TestPostgres.get().newDatabase("bench_state");
    private final RabbitBroker broker = RabbitBroker.get();
    private final String prefix = RabbitBroker.uniquePrefix("bench");

    GetterBench(boolean quick) {
        this.changes = quick ? 200_000 : 2_000_000;
        this.snapshotRows = quick ? 500_000 : 5_000_000;
    }

    Report run() throws Exception {
        Report report = new Report("getter: drain a slot of " + changes + " feed_log inserts; snapshot of "
                + snapshotRows + " rows (RabbitMQ " + broker.host() + ":" + broker.port() + ")");
        source.execute(
                "CREATE TABLE feed_log " + TABLE,
                "CREATE TABLE feed_snap " + TABLE,
                "CREATE PUBLICATION bench FOR TABLE feed_log",
                "CREATE PUBLICATION bench_snap FOR TABLE feed_snap",
                "SELECT pg_create_logical_replication_slot('bench_raw', 'pgoutput')",
                "SELECT pg_create_logical_replication_slot('bench_getter', 'pgoutput')",
                "SELECT pg_create_logical_replication_slot('bench_dbz', 'pgoutput')");
        fill("feed_log", changes);
        fill("feed_snap", snapshotRows);
        try {
            double decode = measureDecode(report);
            double getter = measureGetter(report);
            double debezium = measureDebezium(report);
            double copy = measureCopyOut(report);
            double snapshot = measureSnapshot(report);
            report.result("getter_vs_debezium", ratio(getter, debezium));
            report.result("getter_vs_decode", ratio(getter, decode));
            report.result("snapshot_vs_copy", ratio(snapshot, copy));
            report.orderResults(
                    "getter_rows_s", "debezium_rows_s", "decode_rows_s", "snapshot_rows_s", "copy_out_rows_s");
        } finally {
            Queues.deleteTopology(broker, prefix);
        }
        return report;
    }

    private void fill(String table, long rows) {
        for (long from = 1; from <= rows; from += 50_000) {
            long to = Math.min(rows, from + 49_999);
            source.execute("INSERT INTO " + table + " SELECT i, i % 1000, i % 7, md5(i::text) || ' feed',"
                    + " timestamp '2026-11-30' + i * interval '1 millisecond' FROM generate_series(" + from + ", " + to
                    + ") i");
        }
    }

    /** The server-side limit: pgoutput decoding the same changes, with nothing done with them. */
    private double measureDecode(Report report) {
        long start = System.nanoTime();
        source.queryLong("SELECT count(*) FROM pg_logical_slot_get_binary_changes('bench_raw', NULL, NULL,"
                + " 'proto_version', '1', 'publication_names', 'bench')");
        return report.add(
                "pgoutput decode (pg_logical_slot_get_binary_changes)",
                "decode_rows_s",
                changes,
                seconds(start),
                "server only, no client");
    }

    private double measureGetter(Report report) throws Exception {
        try (ServiceProcess getter = startGetter("bench_getter", "bench", "feed_log", "never")) {
            double[] heap = {0};
            double seconds = awaitCount(getter, changes, () -> {
                double published = getter.metric("sluice_rows_total", "stage=\"getter\"", "outcome=\"published\"");
                heap[0] = Math.max(heap[0], getter.metric("jvm_memory_used_bytes", "area=\"heap\""));
                return published;
            });
            report.result("getter_heap_mb_max", String.format("%.0f", heap[0] / 1024 / 1024));
            return report.add(
                    "getter (separate JVM, -Xmx512m) → RabbitMQ, confirmed",
                    "getter_rows_s",
                    changes,
                    seconds,
                    "decode + batch + publish with confirms");
        } finally {
            Queues.purge(broker, prefix + ".handler");
        }
    }

    private double measureDebezium(Report report) throws Exception {
        AtomicLong published = new AtomicLong();
        Properties props = new Properties();
        URI url = URI.create(source.jdbcUrl().substring("jdbc:".length()));
        props.setProperty("name", "bench");
        props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        props.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        props.setProperty("offset.flush.interval.ms", "10000");
        props.setProperty("database.hostname", url.getHost());
        props.setProperty("database.port", Integer.toString(url.getPort()));
        props.setProperty("database.user", "postgres");
        props.setProperty("database.password", "");
        props.setProperty("database.dbname", source.name());
        props.setProperty("topic.prefix", "bench");
        props.setProperty("plugin.name", "pgoutput");
        props.setProperty("slot.name", "bench_dbz");
        props.setProperty("publication.name", "bench");
        props.setProperty("publication.autocreate.mode", "disabled");
        props.setProperty("snapshot.mode", "no_data");
        props.setProperty("table.include.list", "public.feed_log");
        props.setProperty("max.batch.size", "4096");
        props.setProperty("max.queue.size", "16384");
        props.setProperty("key.converter.schemas.enable", "false");
        props.setProperty("value.converter.schemas.enable", "false");
        try (Connection connection = broker.newConnection();
                Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder()
                    .contentType("application/json")
                    .deliveryMode(2)
                    .build();
            DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                    .using(props)
                    .notifying((records, committer) -> {
                        try {
                            for (ChangeEvent<String, String> record : records) {
                                if (record.value() != null) {
                                    channel.basicPublish(
                                            prefix + ".raw",
                                            "bench.public.feed_log",
                                            true,
                                            persistent,
                                            record.value().getBytes(StandardCharsets.UTF_8));
                                }
                            }
                            channel.waitForConfirmsOrDie(30_000);
                        } catch (java.io.IOException | java.util.concurrent.TimeoutException e) {
                            throw new IllegalStateException("broker did not take Debezium's batch", e);
                        }
                        for (ChangeEvent<String, String> record : records) {
                            if (record.value() != null) {
                                published.incrementAndGet();
                            }
                            committer.markProcessed(record);
                        }
                        committer.markBatchFinished();
                    })
                    .build();
            ExecutorService executor = Executors.newSingleThreadExecutor();
            executor.execute(engine);
            try {
                double seconds = awaitCount(null, changes, published::get);
                return report.add(
                        "Debezium 3.6 embedded → RabbitMQ, confirmed",
                        "debezium_rows_s",
                        changes,
                        seconds,
                        "one JSON message per change, confirms per batch");
            } finally {
                engine.close();
                executor.shutdownNow();
                Queues.purge(broker, prefix + ".handler");
            }
        }
    }

    /** The snapshot baseline: the whole table through {@code COPY TO STDOUT}, bytes counted and dropped. */
    private double measureCopyOut(Report report) throws SQLException, java.io.IOException {
        long start = System.nanoTime();
        try (var c = source.connect()) {
            c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyOut("COPY feed_snap TO STDOUT", OutputStream.nullOutputStream());
        }
        return report.add(
                "COPY feed_snap TO STDOUT (one connection)",
                "copy_out_rows_s",
                snapshotRows,
                seconds(start),
                "server and wire only");
    }

    private double measureSnapshot(Report report) throws Exception {
        try (ServiceProcess getter = startGetter("bench_snap", "bench_snap", "feed_snap", "initial_only")) {
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (!"done".equals(stateOf("bench_snap"))) {
                if (!getter.alive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the getter's snapshot did not finish");
                }
                Thread.sleep(200);
            }
            double seconds = ((Number) state.queryValue("SELECT extract(epoch FROM finished_at - started_at)"
                            + " FROM sluice.snapshots WHERE slot = 'bench_snap'"))
                    .doubleValue();
            return report.add(
                    "getter snapshot → RabbitMQ, confirmed (2 readers)",
                    "snapshot_rows_s",
                    snapshotRows,
                    seconds,
                    "consistent snapshot, chunked, resumable");
        } finally {
            Queues.purge(broker, prefix + ".handler");
        }
    }

    /**
     * The getter as it runs in production: its own JVM, a 512 MiB heap. It captures only the measured table: by
     * default it captures every table and would add the other one to its publication (and its snapshot).
     */
    private ServiceProcess startGetter(String slot, String publication, String table, String snapshotMode)
            throws Exception {
        return ServiceProcess.start(
                "getter",
                "512m",
                List.of(broker.serviceArgs(
                        prefix,
                        "--spring.datasource.url=" + state.jdbcUrl(),
                        "--sluice.getter.cdc.sources[0].name=bench",
                        "--sluice.getter.cdc.sources[0].url=" + source.jdbcUrl(),
                        "--sluice.getter.cdc.sources[0].slot=" + slot,
                        "--sluice.getter.cdc.sources[0].publication=" + publication,
                        "--sluice.getter.cdc.sources[0].tables[0]=public." + table,
                        "--sluice.getter.cdc.sources[0].snapshot-mode=" + snapshotMode,
                        "--sluice.getter.cdc.snapshot.parallelism=2")));
    }

    private Object stateOf(String slot) {
        try {
            return state.queryValue("SELECT state FROM sluice.snapshots WHERE slot = '" + slot + "'");
        } catch (IllegalStateException e) {
            return null; // the schema is not migrated yet
        }
    }

    /** Seconds from the first counted row to {@code target} rows. */
    static double awaitCount(ServiceProcess process, long target, DoubleSupplier count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        long first = 0;
        double seen;
        while ((seen = count.getAsDouble()) < target) {
            if (first == 0 && seen > 0) {
                first = System.nanoTime();
            }
            if ((process != null && !process.alive()) || System.nanoTime() > deadline) {
                throw new IllegalStateException("stopped at " + (long) seen + " of " + target + " rows");
            }
            Thread.sleep(20);
        }
        return first == 0 ? 1e-3 : (System.nanoTime() - first) / 1e9;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String ratio(double a, double b) {
        return String.format(java.util.Locale.ROOT, "%.2f", a / Math.max(b, 1e-9));
    }
}
