package io.sluice.cli;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.sluice.common.amqp.BatchMessages;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends a dead letter back to the exchange and routing key it was consumed from, with confirms and {@code mandatory}:
 * it counts as replayed only once the broker confirmed it and routed it to a queue. The copy carries its replay count
 * and the reason it failed, without the dead letter's own headers, so a second failure records a new reason.
 */
final class Replayer implements AutoCloseable {

    /** The dead letter's headers that describe its failure, not the message. */
    private static final List<String> FAILURE_HEADERS = List.of(
            BatchMessages.HEADER_ERROR,
            BatchMessages.HEADER_STAGE,
            BatchMessages.HEADER_DEAD_AT,
            BatchMessages.HEADER_SQLSTATE,
            BatchMessages.HEADER_EXCHANGE,
            BatchMessages.HEADER_ROUTING_KEY,
            "x-death",
            "x-first-death-exchange",
            "x-first-death-queue",
            "x-first-death-reason",
            "x-last-death-exchange",
            "x-last-death-queue",
            "x-last-death-reason");

    static final String HEADER_REPLAYED_ERROR = "x-sluice-replayed-error";

    private final Channel channel;
    private final Duration confirmTimeout;
    private final AtomicReference<String> returned = new AtomicReference<>();

    Replayer(Connection connection, Duration confirmTimeout) throws Exception {
        this.channel = connection.createChannel();
        this.confirmTimeout = confirmTimeout;
        channel.confirmSelect();
        channel.addReturnListener(r -> returned.set(r.getReplyText()));
    }

    /** Publishes the copy and waits for its confirm; fails saying why if the broker did not take it. */
    void replay(DeadLetter letter) throws Exception {
        Map<String, Object> headers = new HashMap<>(
                letter.properties().getHeaders() == null
                        ? Map.of()
                        : letter.properties().getHeaders());
        FAILURE_HEADERS.forEach(headers::remove);
        headers.put(BatchMessages.HEADER_REPLAYS, letter.replays() + 1);
        headers.put(HEADER_REPLAYED_ERROR, letter.reason());
        AMQP.BasicProperties properties =
                letter.properties().builder().headers(headers).build();
        returned.set(null);
        channel.basicPublish(letter.exchange(), letter.routingKey(), true, properties, letter.body());
        channel.waitForConfirmsOrDie(confirmTimeout.toMillis());
        if (returned.get() != null) {
            throw new IllegalStateException("no queue is bound to " + letter.exchange() + " for '" + letter.routingKey()
                    + "' (" + returned.get() + "): is the stage's queue declared?");
        }
    }

    @Override
    public void close() throws Exception {
        if (channel.isOpen()) {
            channel.close();
        }
    }
}
