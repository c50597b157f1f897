package io.sluice.getter;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.metrics.StageMetrics;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.springframework.amqp.core.Message;

/**
 * Publishes the getter's batches to the raw exchange; a batch is confirmed when all its messages are. Encoding and
 * sending run on a small pool, so that the thread reading the slot goes on decoding meanwhile; when the pool's queue is
 * full the caller encodes itself, which slows it down to the pool's pace. Bytes published but not yet confirmed are
 * bounded too: when the broker is slow to confirm (or blocks the connection), publishing waits, so the getter stops
 * reading the slot instead of growing without bound.
 */
public final class RawBatchPublisher implements AutoCloseable {

    private static final int ENCODERS = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final ConfirmedPublisher publisher;
    private final BatchMessages messages;
    private final Topology topology;
    private final long maxInFlightBytes;
    private final ThreadPoolExecutor encoders = new ThreadPoolExecutor(
            ENCODERS,
            ENCODERS,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(ENCODERS * 4),
            Thread.ofPlatform().name("getter-encoder-", 0).daemon().factory(),
            new ThreadPoolExecutor.CallerRunsPolicy());
    private long inFlightBytes;
    private final DistributionSummary batchRows;
    private final StageMetrics stageMetrics;

    /** @param origin what it publishes ({@code cdc}, {@code file}): a tag of its in-flight gauge */
    public RawBatchPublisher(
            String origin,
            ConfirmedPublisher publisher,
            BatchMessages messages,
            Topology topology,
            MeterRegistry meters,
            long maxInFlightBytes) {
        this.publisher = publisher;
        this.messages = messages;
        this.topology = topology;
        this.maxInFlightBytes = maxInFlightBytes;
        SluiceMetric.GETTER_IN_FLIGHT_BYTES
                .gauge(this, RawBatchPublisher::inFlightBytes)
                .tag("origin", origin)
                .register(meters);
        this.stageMetrics = new StageMetrics(meters, Topology.Stage.GETTER);
        this.batchRows =
                stageMetrics.batchRows("rows per published batch (small transactions share one within the linger)");
    }

    /** Hands the batch to an encoder; the future completes when the broker confirmed all of it. */
    public CompletableFuture<Void> publish(ChangeBatch batch) {
        return publish(batch, java.util.Map.of());
    }

    /** The same, with headers of its own on each of the batch's messages. */
    public CompletableFuture<Void> publish(ChangeBatch batch, java.util.Map<String, Object> headers) {
        return CompletableFuture.supplyAsync(() -> encodeAndSend(batch, headers), encoders)
                .thenCompose(Function.identity());
    }

    private CompletableFuture<Void> encodeAndSend(ChangeBatch batch, java.util.Map<String, Object> headers) {
        batchRows.record(batch.rows().size());
        String routingKey = Topology.rawRoutingKey(batch.source(), batch.table());
        List<Message> parts = messages.toMessages(batch);
        parts.forEach(part -> headers.forEach(part.getMessageProperties()::setHeader));
        long bytes = parts.stream().mapToLong(m -> m.getBody().length).sum();
        acquire(bytes);
        CompletableFuture<?>[] confirms = parts.stream()
                .map(m -> publisher.publish(topology.rawExchange(), routingKey, m))
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(confirms).whenComplete((ok, error) -> {
            release(bytes);
            stageMetrics
                    .rows(batch.table(), error == null ? "published" : "failed")
                    .increment(batch.rows().size());
        });
    }

    @Override
    public void close() {
        encoders.shutdown();
    }

    synchronized long inFlightBytes() {
        return inFlightBytes;
    }

    private synchronized void acquire(long bytes) {
        // One message always goes, however large, so that a batch above the bound cannot wait forever.
        while (inFlightBytes > 0 && inFlightBytes + bytes > maxInFlightBytes) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for broker confirms", e);
            }
        }
        inFlightBytes += bytes;
    }

    private synchronized void release(long bytes) {
        inFlightBytes -= bytes;
        notifyAll();
    }
}
