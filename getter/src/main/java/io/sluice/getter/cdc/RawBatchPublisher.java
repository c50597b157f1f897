package io.sluice.getter.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.ChangeBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.amqp.core.Message;

/** Publishes the getter's batches to the raw exchange; a batch is confirmed when all its messages are. */
final class RawBatchPublisher {

    private final ConfirmedPublisher publisher;
    private final BatchMessages messages;
    private final Topology topology;
    private final MeterRegistry meters;

    RawBatchPublisher(ConfirmedPublisher publisher, BatchMessages messages, Topology topology, MeterRegistry meters) {
        this.publisher = publisher;
        this.messages = messages;
        this.topology = topology;
        this.meters = meters;
    }

    CompletableFuture<Void> publish(ChangeBatch batch) {
        String routingKey = Topology.rawRoutingKey(batch.source(), batch.table());
        List<Message> parts = messages.toMessages(batch);
        CompletableFuture<?>[] confirms = parts.stream()
                .map(m -> publisher.publish(topology.rawExchange(), routingKey, m))
                .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(confirms)
                .whenComplete((ok, error) -> meters.counter(
                                "sluice.rows",
                                "stage",
                                "getter",
                                "table",
                                batch.table().toString(),
                                "outcome",
                                error == null ? "published" : "failed")
                        .increment(batch.rows().size()));
    }
}
