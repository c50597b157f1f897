package io.sluice.loader;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sluice.common.Retries;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.MalformedBatchException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.BatchMessageListener;
import org.springframework.amqp.core.Message;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;

/**
 * Consumes the loader queue in groups of messages and writes each group in one target transaction. The container acks
 * the whole group after this returns, i.e. after COMMIT; if the write fails, the group is redelivered and written again
 * (the merge is idempotent) until the queue's delivery limit dead-letters it. Transient database failures are
 * retried in place first, so a restarting target does not spend the delivery limit.
 */
final class BatchLoader implements BatchMessageListener {

    private static final Logger log = LoggerFactory.getLogger(BatchLoader.class);

    private final BatchMessages messages;
    private final MergeWriter writer;
    private final ConfirmedPublisher publisher;
    private final Topology topology;
    private final MeterRegistry meters;
    private final Timer batchTimer;
    private final RetryTemplate retry;

    BatchLoader(
            BatchMessages messages,
            MergeWriter writer,
            ConfirmedPublisher publisher,
            Topology topology,
            MeterRegistry meters,
            Duration retryTimeout) {
        this.retry = Retries.withBackoff(retryTimeout, TransientErrors::isTransient);
        this.messages = messages;
        this.writer = writer;
        this.publisher = publisher;
        this.topology = topology;
        this.meters = meters;
        this.batchTimer = Timer.builder("sluice.batch").tag("stage", "loader").register(meters);
    }

    @Override
    public void onMessageBatch(List<Message> group) {
        List<ChangeBatch> batches = new ArrayList<>(group.size());
        for (Message message : group) {
            try {
                batches.add(messages.fromMessage(message));
            } catch (MalformedBatchException e) {
                deadLetter(message, e.getMessage());
            }
        }
        if (batches.isEmpty()) {
            return;
        }
        MergeWriter.Result result;
        try {
            result = retry.execute(() -> batchTimer.recordCallable(() -> writer.write(batches)));
        } catch (RetryException e) {
            // Not acked: the group is redelivered; a permanent failure ends in the dead-letter queue.
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(
                    "writing " + batches.size() + " batches failed: " + cause.getMessage(), cause);
        }
        result.rowsPerTable()
                .forEach((table, rows) -> meters.counter(
                                "sluice.rows", "stage", "loader", "table", table.toString(), "outcome", "merged")
                        .increment(rows));
    }

    private void deadLetter(Message message, String reason) {
        log.warn("dead-lettering an unreadable batch: {}", reason);
        publisher.publishAndWait(
                topology.deadLetterExchange(),
                Stage.LOADER.id(),
                BatchMessages.deadLetter(message, Stage.LOADER, reason));
        meters.counter("sluice.dead.letters", "stage", "loader", "reason", "malformed")
                .increment();
    }

    @Override
    public void onMessage(Message message) {
        onMessageBatch(List.of(message));
    }
}
