package io.sluice.bench;

import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.BatchMessages.Compression;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.amqp.core.Message;

/**
 * {@code bench/run codec}: what one batch body costs each stage to write and to read, JSON v1 against the binary
 * layout, both LZ4-compressed as the services send them, on {@code feed_log} batches in one thread. Measured in CPU
 * seconds of this thread, which a shared machine disturbs less than wall time.
 */
final class CodecBench {

    private final int rows;
    private final int rounds;

    CodecBench(boolean quick) {
        this.rows = 200_000;
        this.rounds = quick ? 8 : 20;
    }

    Report run() {
        Report report = new Report("codec: " + rows + " feed_log rows in batches of " + FeedLogBatches.ROWS_PER_BATCH
                + ", LZ4 bodies, one thread, best of " + rounds + " rounds (after as many to warm up)");
        List<ChangeBatch> batches = new ArrayList<>();
        for (int b = 0; b < FeedLogBatches.count(rows); b++) {
            batches.add(FeedLogBatches.batch(rows, 0, b, 1_000 + b));
        }
        BatchCodec codec = new BatchCodec();
        double[] json = measure(report, "JSON v1", "json", batches, codec, BatchCodec.Format.JSON);
        double[] binary = measure(report, "binary", "binary", batches, codec, BatchCodec.Format.BINARY);
        report.result("binary_vs_json_write", String.format(Locale.ROOT, "%.2f", binary[0] / json[0]));
        report.result("binary_vs_json_read", String.format(Locale.ROOT, "%.2f", binary[1] / json[1]));
        report.result("binary_vs_json_bytes", String.format(Locale.ROOT, "%.2f", binary[2] / json[2]));
        report.orderResults("binary_vs_json_write", "binary_vs_json_read", "binary_vs_json_bytes");
        return report;
    }

    /** Rows/s writing, rows/s reading, and bytes per row on the wire. */
    private double[] measure(
            Report report, String label, String key, List<ChangeBatch> batches, BatchCodec codec, BatchCodec.Format f) {
        BatchMessages messages = new BatchMessages(codec, 64 * 1024 * 1024, Compression.LZ4, f);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double bestWrite = Double.MAX_VALUE;
        double bestRead = Double.MAX_VALUE;
        long bytes = 0;
        List<Message> sent = new ArrayList<>();
        for (int round = 0; round < 2 * rounds; round++) {
            sent.clear();
            long start = threads.getCurrentThreadCpuTime();
            for (ChangeBatch batch : batches) {
                sent.addAll(messages.toMessages(batch));
            }
            long written = threads.getCurrentThreadCpuTime();
            long checksum = 0;
            for (Message message : sent) {
                checksum += messages.fromMessage(message).rows().size();
            }
            long read = threads.getCurrentThreadCpuTime();
            if (checksum != rows) {
                throw new IllegalStateException("read " + checksum + " rows of " + rows);
            }
            if (round >= rounds) {
                bestWrite = Math.min(bestWrite, (written - start) / 1e9);
                bestRead = Math.min(bestRead, (read - written) / 1e9);
            }
            bytes = sent.stream().mapToLong(m -> m.getBody().length).sum();
        }
        double write = report.add(label + ": write (encode + LZ4)", key + "_write_rows_s", rows, bestWrite, "CPU time");
        double read = report.add(label + ": read (LZ4 + decode)", key + "_read_rows_s", rows, bestRead, "CPU time");
        report.result(key + "_bytes_per_row", String.format(Locale.ROOT, "%.1f", (double) bytes / rows));
        return new double[] {write, read, (double) bytes / rows};
    }
}
