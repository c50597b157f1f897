package io.sluice.common.amqp;

import io.sluice.common.metrics.StageMetrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.amqp.core.Message;

/**
 * A stage's dead-letter queue, the one way getter, handler and loader give a message up: the letter keeps the
 * message's body and headers and adds the stage and the reason ({@link BatchMessages#deadLetter}); it is published
 * asynchronously with confirms, like the stage's outputs, so the caller acks its input only once the letter's future
 * completed; and it is counted by kind ({@code sluice_dead_letters_total{stage,reason}}), every kind from zero.
 */
public final class DeadLetters {

    private final ConfirmedPublisher publisher;
    private final String exchange;
    private final Topology.Stage stage;
    private final StageMetrics metrics;

    /** @param kinds the kinds this stage counts, registered now so that an alert's increase() sees the first one */
    public DeadLetters(
            ConfirmedPublisher publisher,
            Topology topology,
            Topology.Stage stage,
            StageMetrics metrics,
            List<String> kinds) {
        this.publisher = publisher;
        this.exchange = topology.deadLetterExchange();
        this.stage = stage;
        this.metrics = metrics;
        kinds.forEach(metrics::deadLetters);
    }

    /** The letter for a message this stage gives up on, not yet sent (for a stage that sends it with its outputs). */
    public Message letter(Message message, String reason) {
        return BatchMessages.deadLetter(message, stage, reason);
    }

    /** Where letters go: the dead-letter exchange, routed by the stage's id. */
    public String exchange() {
        return exchange;
    }

    public String routingKey() {
        return stage.id();
    }

    /** Sends the letter of a message; completes when the broker confirmed it, and counts it under {@code kind}. */
    public CompletableFuture<Void> send(Message message, String reason, String kind) {
        return sendLetter(letter(message, reason), kind);
    }

    /** Sends a letter built by the stage itself (a file's bad line, say); counted under {@code kind} once confirmed. */
    public CompletableFuture<Void> sendLetter(Message letter, String kind) {
        return publisher.publish(exchange, routingKey(), letter).thenRun(() -> counted(kind));
    }

    /** Counts a letter this stage sent with its outputs. */
    public void counted(String kind) {
        metrics.deadLetters(kind).increment();
    }
}
