package io.sluice.bench;

import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench/run handler}: a handler process (one consumer) draining a queue pre-filled with {@code feed_log}
 * batches through a chain of six steps (rename, cast, filter, compute, mask, lookup), beside the same handler relaying
 * the same batches with no pipeline (passed on unread, by their headers) and with a one-step pipeline that keeps every
 * row (each batch read and written again: what any shaping costs before its steps), in the same run.
 */
final class HandlerBench {

    private static final int BATCH_ROWS = FeedLogBatches.ROWS_PER_BATCH;
    private static final String PIPELINE = """
            pipelines:
              public.feed_log:
                - rename: {c2: kind}
                - cast: {kind: integer}
                - filter: "kind >= 0"
                - compute: {info_length: "info.length()"}
                - mask: {info: {sha256: pepper}}
                - lookup: {table: public.users, key: c1, on: id, columns: [region], cache: {size: 10000, ttl: 10m}}
            """;

    /** Read and written again, nothing else: the floor of any pipeline. */
    private static final String KEEP_EVERY_ROW = """
            pipelines:
              public.feed_log:
                - filter: "true"
            """;

    private final int rows;
    private final RabbitBroker broker = RabbitBroker.get();
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);

    HandlerBench(boolean quick) {
        // Quick still runs long enough for the JIT to finish with the pipeline's code before the steady state is timed:
        // at 200,000 rows the timed part lasted under a second and swung by half from run to run.
        this.rows = quick ? 500_000 : 1_000_000;
    }

    Report run() throws Exception {
        Report report = new Report("handler: " + rows + " feed_log rows in batches of " + BATCH_ROWS
                + ", one consumer (RabbitMQ " + broker.host() + ":" + broker.port() + ")");
        TestDatabase reference = TestPostgres.get().newDatabase("bench_reference");
        reference.execute(
                "CREATE TABLE users (id int8 PRIMARY KEY, region text)",
                "INSERT INTO users SELECT i, 'region ' || (i % 37) FROM generate_series(0, 999) i");
        Path pipeline = Files.createTempFile("sluice-bench-pipeline-", ".yml");
        Files.writeString(pipeline, PIPELINE);
        double passthrough = measure(report, "handler, no pipeline (passthrough)", "passthrough_rows_s", List.of());
        Path keepEveryRow = Files.createTempFile("sluice-bench-pipeline-", ".yml");
        Files.writeString(keepEveryRow, KEEP_EVERY_ROW);
        double readWrite = measure(
                report,
                "handler, 1 step keeping all rows",
                "read_write_rows_s",
                List.of("--sluice.handler.pipelines=" + keepEveryRow));
        double shaped = measure(
                report,
                "handler, 6 steps (rename … lookup)",
                "handler_rows_s",
                List.of(
                        "--sluice.handler.pipelines=" + pipeline,
                        "--sluice.handler.reference.url=" + reference.jdbcUrl()));
        report.result("handler_vs_passthrough", String.format(Locale.ROOT, "%.2f", shaped / passthrough));
        report.result("handler_vs_read_write", String.format(Locale.ROOT, "%.2f", shaped / readWrite));
        report.orderResults("handler_rows_s", "passthrough_rows_s", "read_write_rows_s");
        return report;
    }

    private double measure(Report report, String label, String key, List<String> extra) throws Exception {
        String prefix = RabbitBroker.uniquePrefix("bench");
        Topology topology = new Topology(prefix, List.of("warehouse"));
        List<String> args = new ArrayList<>(List.of("--sluice.handler.consumers=1", "--sluice.handler.prefetch=50"));
        args.addAll(extra);
        List<String> all = List.of(broker.serviceArgs(prefix, args.toArray(String[]::new)));
        try {
            try (ServiceProcess declare = ServiceProcess.start("handler", "512m", all)) {
                Queues.awaitConsumers(broker, topology.handlerQueue(), 1);
            }
            Queues.fill(
                    broker,
                    messages,
                    topology.rawExchange(),
                    this::batch,
                    FeedLogBatches.count(rows),
                    batch -> Topology.rawRoutingKey("bench", batch.table()));
            try (ServiceProcess handler = ServiceProcess.start("handler", "512m", all)) {
                long start = Queues.awaitConsumers(broker, topology.handlerQueue(), 1);
                String[] relayed = {"stage=\"handler\"", "outcome=\"relayed\""};
                // Steady state: timed from a quarter of the rows on, once the JIT compiled the hot code and the
                // lookup's cache and connections are warm — a service runs for days, not for its first second.
                Queues.Reached warm = Queues.awaitCount(List.of(handler), rows / 4, "sluice_rows_total", relayed);
                Queues.Reached done = Queues.awaitCount(List.of(handler), rows, "sluice_rows_total", relayed);
                report.add(
                        label + ", whole run",
                        null,
                        rows,
                        (done.nanos() - start) / 1e9,
                        "from the consumer's start, warm-up included");
                return report.add(
                        label,
                        key,
                        (long) (done.count() - warm.count()),
                        (done.nanos() - warm.nanos()) / 1e9,
                        "steady state: rows 25% to 100%");
            }
        } finally {
            broker.delete(topology.queues(), topology.exchanges());
        }
    }

    private ChangeBatch batch(int batch) {
        return FeedLogBatches.batch(rows, 0, batch, 1_000 + batch);
    }
}
