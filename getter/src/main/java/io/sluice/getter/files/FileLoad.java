package io.sluice.getter.files;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.DeadLetters;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.metrics.StageMetrics;
import io.sluice.getter.RawBatchPublisher;
import io.sluice.getter.files.FileLedger.Claim;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Loads one claimed file: streams its lines from the last confirmed one on, publishes them as batches versioned
 * {@code (file version, line)}, dead-letters bad lines with file and line, and records in the ledger only lines whose
 * messages the broker confirmed — so a crash resumes without gaps, and re-sent lines are harmless duplicates. A file
 * whose bad-line ratio passes the source's threshold stops before its next batch goes out.
 */
final class FileLoad {

    static final String HEADER_FILE = BatchMessages.HEADER_FILE;
    static final String HEADER_LINE = BatchMessages.HEADER_LINE;

    /** How a load ended. */
    record Outcome(boolean quarantined, String reason, long rows, long badLines) {}

    /** Lines up to {@code lastLine} are done once {@code confirmed} completes. */
    private record Pending(long lastLine, long rows, long badLines, CompletableFuture<Void> confirmed) {}

    private final FileSource source;
    private final FileLedger ledger;
    private final String owner;
    private final RawBatchPublisher raw;
    private final DeadLetters deadLetters;
    private final int maxBatchRows;
    private final Duration progressInterval;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private long lastProgress;

    FileLoad(
            FileSource source,
            FileLedger ledger,
            String owner,
            RawBatchPublisher raw,
            ConfirmedPublisher publisher,
            Topology topology,
            int maxBatchRows,
            Duration progressInterval,
            MeterRegistry meters) {
        this.source = source;
        this.ledger = ledger;
        this.owner = owner;
        this.raw = raw;
        this.maxBatchRows = maxBatchRows;
        this.progressInterval = progressInterval;
        this.deadLetters = new DeadLetters(
                publisher,
                topology,
                Topology.Stage.GETTER,
                new StageMetrics(meters, Topology.Stage.GETTER),
                List.of("bad-line"));
    }

    Outcome load(Claim claim) throws Exception {
        pending.clear();
        lastProgress = System.nanoTime();
        long rows = claim.rows();
        long bad = claim.badLines();
        long lastLine = claim.confirmedLine();
        List<Row> batch = new ArrayList<>(maxBatchRows);
        List<ParsedLine> badLines = new ArrayList<>();
        try (InputStream in = Decompression.wrap(
                open(claim.path()),
                claim.path(),
                source.config().maxDecompressedBytes().toBytes())) {
            Iterator<ParsedLine> lines = source.formatOf(claim.path()).read(in);
            boolean more = true;
            while (more) {
                try {
                    more = lines.hasNext();
                } catch (UnreadableFileException unreadable) {
                    // The rest of the file cannot be read: the lines before it are loaded, then the file is
                    // quarantined.
                    if (!batch.isEmpty() || !badLines.isEmpty()) {
                        send(claim, batch, badLines, lastLine, rows, bad);
                    }
                    settle(claim, true);
                    throw unreadable;
                }
                if (more) {
                    ParsedLine line = lines.next();
                    if (line.number() <= claim.confirmedLine()) {
                        continue; // confirmed before an interruption
                    }
                    lastLine = line.number();
                    if (line.isBad()) {
                        badLines.add(line);
                        bad++;
                    } else {
                        batch.add(new Row(Op.READ, claim.version(), line.number(), claim.mtime(), line.values(), null));
                        rows++;
                    }
                }
                if (batch.size() + badLines.size() >= maxBatchRows || (!more && lastLine > claim.confirmedLine())) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException("stopped while loading " + claim.path());
                    }
                    String reason = source.quarantineReason(lastLine, bad, !more);
                    if (reason != null) {
                        settle(claim, true);
                        return new Outcome(true, reason, rows, bad);
                    }
                    send(claim, batch, badLines, lastLine, rows, bad);
                    batch = new ArrayList<>(maxBatchRows);
                    badLines = new ArrayList<>();
                }
            }
        }
        settle(claim, true);
        return new Outcome(false, null, rows, bad);
    }

    /** The file, or a loaded file asked for again (reload) in the archive where it was moved. */
    private InputStream open(String path) throws IOException {
        try {
            return source.store().open(path);
        } catch (NoSuchFileException | NoSuchKeyException gone) {
            try {
                return source.store().open(source.config().archiveFolder() + "/" + path);
            } catch (NoSuchFileException | NoSuchKeyException notArchived) {
                throw gone;
            }
        }
    }

    private void send(Claim claim, List<Row> batch, List<ParsedLine> badLines, long lastLine, long rows, long bad)
            throws Exception {
        List<CompletableFuture<Void>> confirms = new ArrayList<>(1 + badLines.size());
        if (!batch.isEmpty()) {
            confirms.add(raw.publish(
                    new ChangeBatch(source.name(), Origin.FILE, source.table(), source.columns(), batch),
                    java.util.Map.of(HEADER_FILE, claim.path()))); // so that any later dead letter names it
        }
        for (ParsedLine line : badLines) {
            confirms.add(deadLetters.sendLetter(deadLetter(claim, line), "bad-line"));
        }
        pending.add(
                new Pending(lastLine, rows, bad, CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new))));
        settle(claim, false);
    }

    /** Records the lines confirmed so far; with {@code all}, waits for every outstanding confirm first. */
    private void settle(Claim claim, boolean all) throws Exception {
        Pending confirmed = null;
        while (!pending.isEmpty() && (all || pending.peek().confirmed().isDone())) {
            Pending head = pending.poll();
            try {
                head.confirmed().join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
            confirmed = head;
        }
        boolean due = System.nanoTime() - lastProgress >= progressInterval.toNanos();
        if (confirmed != null && (all || due)) {
            ledger.progress(claim, owner, confirmed.lastLine(), confirmed.rows(), confirmed.badLines());
            lastProgress = System.nanoTime();
        }
    }

    private Message deadLetter(Claim claim, ParsedLine line) {
        String reason = claim.path() + " line " + line.number() + ": " + line.error();
        return MessageBuilder.withBody(String.valueOf(line.raw()).getBytes(StandardCharsets.UTF_8))
                .setContentType("text/plain;charset=utf-8")
                .setDeliveryMode(MessageDeliveryMode.PERSISTENT)
                .setHeader(BatchMessages.HEADER_STAGE, Topology.Stage.GETTER.id())
                .setHeader(BatchMessages.HEADER_ERROR, reason)
                .setHeader(BatchMessages.HEADER_DEAD_AT, java.time.Instant.now().toString())
                .setHeader(BatchMessages.HEADER_SOURCE, source.name())
                .setHeader(BatchMessages.HEADER_TABLE, source.table().toString())
                .setHeader(HEADER_FILE, claim.path())
                .setHeader(HEADER_LINE, line.number())
                .build();
    }
}
