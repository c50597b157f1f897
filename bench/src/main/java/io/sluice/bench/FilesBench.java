package io.sluice.bench;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.getter.files.CsvFormat;
import io.sluice.getter.files.ParsedLine;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * File ingestion: a CSV of the seed table ({@code feed_log}) parsed and published by the getter (its own JVM, confirms
 * from RabbitMQ) beside the same file only parsed, with the same parser and settings, in the same run.
 */
final class FilesBench {

    private static final int BATCH = 5_000;
    private static final List<String> COLUMNS = List.of("id", "c1", "c2", "info", "crt_time");

    private final long lines;
    private final TestDatabase state = TestPostgres.get().newDatabase("bench_files_state");
    private final RabbitBroker broker = RabbitBroker.get();
    private final String prefix = RabbitBroker.uniquePrefix("bench");

    FilesBench(boolean quick) {
        this.lines = quick ? 1_000_000 : 5_000_000;
    }

    Report run() throws Exception {
        Path dir = Files.createTempDirectory("sluice-bench-files");
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        Path file = writeCsv(dir.resolve("feed_log.csv"));
        Report report = new Report("files: a " + lines + "-line CSV of feed_log (" + Files.size(file) / (1 << 20)
                + " MiB), RabbitMQ " + broker.host() + ":" + broker.port());
        try {
            double parseOnly = Math.max(parseOnly(report, file, "parse only, cold"), parseOnly(report, file, null));
            Files.move(file, inbox.resolve(file.getFileName()));
            Files.writeString(inbox.resolve(file.getFileName() + ".done"), "");
            double files = measureGetter(report, inbox);
            Queues.purge(broker, prefix + ".handler");
            publishOnly(report, encodeOnly(report, inbox.resolve("archive").resolve(file.getFileName())));
            report.result("files_vs_parse_only", String.format(java.util.Locale.ROOT, "%.2f", files / parseOnly));
            report.orderResults("files_rows_s", "parse_only_rows_s");
        } finally {
            Queues.deleteTopology(broker, prefix);
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
        return report;
    }

    private Path writeCsv(Path file) throws Exception {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write(String.join(",", COLUMNS));
            out.write('\n');
            for (long i = 1; i <= lines; i++) {
                out.write(i + "," + (i % 1000) + "," + (i % 7) + ",\"" + Long.toHexString(i * 0x9E3779B97F4A7C15L)
                        + Long.toHexString(i * 0xC2B2AE3D27D4EB4FL) + " feed\",2026-11-30 00:" + (i / 60_000 % 60)
                        + ":" + (i / 1000 % 60) + "." + (i % 1000) + '\n');
            }
        }
        return file;
    }

    /** The baseline: the getter's own CSV reading (Commons CSV, strict UTF-8, values in column order), nothing else. */
    private double parseOnly(Report report, Path file, String label) throws Exception {
        CsvFormat format = new CsvFormat(COLUMNS, true, ',', '"', null, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        long count = 0;
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            for (Iterator<?> parsed = format.read(in); parsed.hasNext(); parsed.next()) {
                count++;
            }
        }
        if (count != lines) {
            throw new IllegalStateException("parsed " + count + " of " + lines + " lines");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return label != null
                ? report.add(label, null, count, seconds, "JIT warming up")
                : report.add(
                        "parse only, warm (same parser and settings)",
                        "parse_only_rows_s",
                        count,
                        seconds,
                        "read + decode + split, values dropped");
    }

    /** A ceiling: the getter's JSON encoding of the same rows in 5,000-row batches, one thread, parsing not timed. */
    private List<byte[]> encodeOnly(Report report, Path file) throws Exception {
        BatchCodec codec = new BatchCodec();
        List<Column> columns = COLUMNS.stream()
                .map(name -> new Column(name, "text", name.equals("id")))
                .toList();
        CsvFormat format = new CsvFormat(COLUMNS, true, ',', '"', null, StandardCharsets.UTF_8);
        Instant mtime = Files.getLastModifiedTime(file).toInstant();
        List<byte[]> bodies = new ArrayList<>();
        long nanos = 0;
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            Iterator<ParsedLine> parsed = format.read(in);
            List<Row> rows = new ArrayList<>(BATCH);
            while (parsed.hasNext()) {
                ParsedLine line = parsed.next();
                rows.add(new Row(Op.READ, 1, line.number(), mtime, line.values(), null));
                if (rows.size() == BATCH || !parsed.hasNext()) {
                    ChangeBatch batch =
                            new ChangeBatch("bench", Origin.FILE, TableName.parse("public.feed_log"), columns, rows);
                    long start = System.nanoTime();
                    bodies.add(codec.encode(batch));
                    nanos += System.nanoTime() - start;
                    rows = new ArrayList<>(BATCH);
                }
            }
        }
        report.add("encode only (BatchCodec, one thread)", "encode_only_rows_s", lines, nanos / 1e9, "ceiling: JSON");
        return bodies;
    }

    /** A ceiling: the encoded batches published to the same exchange and queue, persistent, with confirms. */
    private void publishOnly(Report report, List<byte[]> bodies) throws Exception {
        try (Connection connection = broker.newConnection();
                Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            AMQP.BasicProperties persistent = new AMQP.BasicProperties.Builder()
                    .contentType(BatchCodec.CONTENT_TYPE)
                    .deliveryMode(2)
                    .build();
            long start = System.nanoTime();
            for (byte[] body : bodies) {
                channel.basicPublish(prefix + ".raw", "bench.public.feed_log", true, persistent, body);
            }
            channel.waitForConfirmsOrDie(600_000);
            report.add(
                    "publish only (pre-encoded, same queue, confirms)",
                    "publish_only_rows_s",
                    lines,
                    (System.nanoTime() - start) / 1e9,
                    "ceiling: the broker on these cores");
        } finally {
            Queues.purge(broker, prefix + ".handler");
        }
    }

    private double measureGetter(Report report, Path inbox) throws Exception {
        try (ServiceProcess getter = ServiceProcess.start(
                "getter",
                "512m",
                List.of(broker.serviceArgs(
                        prefix,
                        "--sluice.getter.cdc.enabled=false",
                        "--spring.datasource.url=" + state.jdbcUrl(),
                        "--sluice.getter.files.poll-interval=100ms",
                        "--sluice.getter.files.sources[0].name=bench",
                        "--sluice.getter.files.sources[0].directory=" + inbox,
                        "--sluice.getter.files.sources[0].marker=.done",
                        "--sluice.getter.files.sources[0].table=public.feed_log",
                        "--sluice.getter.files.sources[0].columns=" + String.join(",", COLUMNS),
                        "--sluice.getter.files.sources[0].key=id",
                        "--sluice.getter.files.sources[0].types.id=int8",
                        "--sluice.getter.files.sources[0].types.c1=int4",
                        "--sluice.getter.files.sources[0].types.c2=int4",
                        "--sluice.getter.files.sources[0].types.crt_time=timestamp")))) {
            double[] heap = {0};
            double seconds = GetterBench.awaitCount(getter, lines, () -> {
                heap[0] = Math.max(heap[0], getter.metric("jvm_memory_used_bytes", "area=\"heap\""));
                return getter.metric("sluice_rows_total", "stage=\"getter\"", "outcome=\"published\"");
            });
            report.result("files_heap_mb_max", String.format("%.0f", heap[0] / 1024 / 1024));
            return report.add(
                    "getter (separate JVM, -Xmx512m) → RabbitMQ, confirmed",
                    "files_rows_s",
                    lines,
                    seconds,
                    "parse + batch + publish with confirms");
        }
    }
}
