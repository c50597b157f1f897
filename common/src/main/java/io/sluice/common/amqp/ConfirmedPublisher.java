package io.sluice.common.amqp;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/**
 * Publishes with publisher confirms and {@code mandatory}, and tells the caller, per message, whether the broker took
 * it: the returned future completes only when the broker confirmed the message and routed it to at least one queue.
 * Callers advance their own progress (a slot's LSN, an input ack) only on completed futures.
 */
public class ConfirmedPublisher {

    private final RabbitTemplate template;
    private final Duration confirmTimeout;

    public ConfirmedPublisher(RabbitTemplate template, Duration confirmTimeout) {
        if (!template.getConnectionFactory().isPublisherConfirms()
                || !template.getConnectionFactory().isPublisherReturns()) {
            throw new IllegalStateException("Sluice publishes only with confirms and returns: set "
                    + "spring.rabbitmq.publisher-confirm-type=correlated and spring.rabbitmq.publisher-returns=true");
        }
        template.setMandatory(true);
        this.template = template;
        this.confirmTimeout = confirmTimeout;
    }

    /** Sends one message; the future fails with {@link PublishFailedException} if the broker did not take it. */
    public CompletableFuture<Void> publish(String exchange, String routingKey, Message message) {
        CorrelationData correlation = new CorrelationData();
        try {
            template.send(exchange, routingKey, message, correlation);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(
                    new PublishFailedException("could not send to " + exchange + " (" + routingKey + ")", e));
        }
        return correlation
                .getFuture()
                .orTimeout(confirmTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((confirm, error) -> {
                    if (error != null) {
                        String why = error instanceof TimeoutException
                                ? "no confirm within " + confirmTimeout
                                : String.valueOf(error.getMessage());
                        throw new PublishFailedException(
                                "broker did not confirm " + exchange + " (" + routingKey + "): " + why, error);
                    }
                    // A return comes before the confirm: RabbitMQ then acks, other brokers (Qpid) nack.
                    if (correlation.getReturned() != null) {
                        throw new PublishFailedException("unroutable: no queue is bound to " + exchange + " for '"
                                + routingKey + "' (" + correlation.getReturned().getReplyText() + ")");
                    }
                    if (!confirm.ack()) {
                        throw new PublishFailedException(
                                "broker nacked " + exchange + " (" + routingKey + "): " + confirm.reason());
                    }
                    return null;
                });
    }

    /** Sends and waits for the confirm; for callers that have nothing else to do meanwhile. */
    public void publishAndWait(String exchange, String routingKey, Message message) {
        await(publish(exchange, routingKey, message));
    }

    /** Waits for confirms (one message's, or several combined); a failure is rethrown as it was, not wrapped. */
    public static void await(CompletableFuture<?> confirmed) {
        try {
            confirmed.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }
}
