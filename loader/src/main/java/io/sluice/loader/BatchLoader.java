package io.sluice.loader;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sluice.common.Retries;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.DeadLetters;
import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.MalformedBatchException;
import io.sluice.common.batch.Row;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.metrics.StageMetrics;
import io.sluice.loader.Sink.Refused;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.BatchMessageListener;
import org.springframework.amqp.core.Message;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;

/**
 * Consumes the loader queue in groups of messages and writes each group to the target's {@link Sink}. The container
 * acks the whole group after this returns, i.e. after the sink's commit and after refused batches and rows are safely
 * in the dead-letter queue; if the write fails, the group is redelivered and written again (every sink's write is
 * idempotent) until the queue's delivery limit dead-letters it. Failures the sink calls transient are retried in place
 * first, so a restarting target does not spend the delivery limit.
 */
final class BatchLoader implements BatchMessageListener {

    private static final Logger log = LoggerFactory.getLogger(BatchLoader.class);

    private final BatchMessages messages;
    private final Sink writer;
    private final DeadLetters deadLetters;
    private final StageMetrics stageMetrics;
    private final Timer batchTimer;
    private final Timer lag;
    private final DistributionSummary groupRows;
    private final RetryTemplate retry;

    BatchLoader(
            BatchMessages messages,
            Sink writer,
            ConfirmedPublisher publisher,
            Topology topology,
            MeterRegistry meters,
            Duration retryTimeout) {
        this.retry = Retries.withBackoff(retryTimeout, writer::isTransient);
        this.messages = messages;
        this.writer = writer;
        this.stageMetrics = new StageMetrics(meters, Stage.LOADER);
        this.deadLetters =
                new DeadLetters(publisher, topology, Stage.LOADER, stageMetrics, List.of("malformed", "refused"));
        this.batchTimer = SluiceMetric.BATCH.timer().tag("stage", "loader").register(meters);
        this.lag = SluiceMetric.LAG
                .timer()
                .tag("stage", "loader")
                .publishPercentileHistogram()
                .register(meters);
        this.groupRows = stageMetrics.batchRows("rows per group of messages written together");
    }

    @Override
    public void onMessageBatch(List<Message> group) {
        List<ChangeBatch> batches = new ArrayList<>(group.size());
        Map<ChangeBatch, Message> received = new IdentityHashMap<>();
        // Sent as they come, confirmed together before the group is acked (by the container, when this returns).
        List<CompletableFuture<Void>> letters = new ArrayList<>();
        for (Message message : group) {
            try {
                ChangeBatch batch = messages.fromMessage(message);
                batches.add(batch);
                received.put(batch, message);
            } catch (MalformedBatchException e) {
                log.warn("dead-lettering an unreadable batch: {}", e.getMessage());
                letters.add(deadLetters.send(message, e.getMessage(), "malformed"));
            }
        }
        if (batches.isEmpty()) {
            done(group, letters);
            return;
        }
        Sink.Result result;
        try {
            result = retry.execute(() -> batchTimer.recordCallable(() -> writer.write(batches)));
        } catch (RetryException e) {
            // Not acked: the group is redelivered; a permanent failure ends in the dead-letter queue.
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(
                    "writing " + batches.size() + " batches failed: " + cause.getMessage(), cause);
        }
        for (Refused refused : result.refused()) {
            log.warn(
                    "dead-lettering {} rows of {}: {}",
                    refused.batch().rows().size(),
                    refused.batch().table(),
                    refused.reason());
            // A whole batch goes as the message it came in (its headers, e.g. a file's name and line, kept); a row
            // isolated from one goes as a batch of its own.
            Message original = received.get(refused.batch());
            List<Message> dead = original != null
                    ? List.of(original)
                    : messages.setAside(refused.batch(), inputOf(refused.batch(), received));
            for (Message message : dead) {
                if (refused.sqlState() != null) {
                    message.getMessageProperties().setHeader(BatchMessages.HEADER_SQLSTATE, refused.sqlState());
                }
                letters.add(deadLetters.send(message, traced(refused.reason(), message), "refused"));
            }
            stageMetrics
                    .rows(refused.batch().table(), "dead")
                    .increment(refused.batch().rows().size());
        }
        result.rowsPerTable()
                .forEach((table, rows) -> stageMetrics.rows(table, "merged").increment(rows));
        groupRows.record(batches.stream().mapToInt(b -> b.rows().size()).sum());
        Instant now = Instant.now();
        for (ChangeBatch batch : batches) {
            Instant newest = null;
            for (Row row : batch.rows()) {
                if (row.ts() != null && (newest == null || row.ts().isAfter(newest))) {
                    newest = row.ts();
                }
            }
            if (newest != null) {
                lag.record(Duration.between(newest, now).abs());
            }
        }
        done(group, letters);
    }

    /**
     * Waits for the group's dead letters to be confirmed, then counts the group, whose every message is now committed
     * to the target or in the dead-letter queue: the container acks it next. A letter not confirmed fails the group,
     * which is redelivered (its merge is idempotent).
     */
    private void done(List<Message> group, List<CompletableFuture<Void>> letters) {
        ConfirmedPublisher.await(CompletableFuture.allOf(letters.toArray(CompletableFuture[]::new)));
        stageMetrics.messages().increment(group.size());
    }

    /** The message a slice of rows came in: the one whose batch holds its first row. */
    private static Message inputOf(ChangeBatch slice, Map<ChangeBatch, Message> received) {
        if (slice.rows().isEmpty()) {
            return null;
        }
        for (Map.Entry<ChangeBatch, Message> entry : received.entrySet()) {
            ChangeBatch batch = entry.getKey();
            if (batch.table().equals(slice.table())
                    && batch.rows().contains(slice.rows().getFirst())) {
                return entry.getValue();
            }
        }
        return null;
    }

    /** The reason with a file row's place instead of the staging table's ("COPY sluice_stage_0, line 1"). */
    private static String traced(String reason, Message message) {
        Object file = message.getMessageProperties().getHeader(BatchMessages.HEADER_FILE);
        Object line = message.getMessageProperties().getHeader(BatchMessages.HEADER_LINE);
        if (file == null || line == null) {
            return reason;
        }
        return STAGING_PLACE
                .matcher(reason)
                .replaceAll(java.util.regex.Matcher.quoteReplacement("file " + file + ", line " + line));
    }

    private static final java.util.regex.Pattern STAGING_PLACE =
            java.util.regex.Pattern.compile("COPY sluice_stage_\\d+, line \\d+");

    @Override
    public void onMessage(Message message) {
        onMessageBatch(List.of(message));
    }
}
