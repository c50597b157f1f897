package io.sluice.cli;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.BatchMessages;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * One dead letter as an operator sees it: which stage gave up, on which table, why, when, how often it was replayed,
 * and where a replay sends it. Sluice's own headers first; a letter the broker dead-lettered itself (a quorum queue's
 * delivery limit) is read from its {@code x-death} record.
 */
record DeadLetter(
        long tag,
        String stage,
        String source,
        String table,
        Object rows,
        String reason,
        String sqlState,
        Instant deadAt,
        int replays,
        String exchange,
        String routingKey,
        AMQP.BasicProperties properties,
        byte[] body) {

    static DeadLetter of(String stage, GetResponse response) {
        AMQP.BasicProperties properties = response.getProps();
        Map<String, Object> headers = properties.getHeaders() == null ? Map.of() : properties.getHeaders();
        Map<String, Object> death = firstDeath(headers);
        String reason = text(headers.get(BatchMessages.HEADER_ERROR));
        if (reason == null && death != null) {
            reason = "dead-lettered by the broker: " + text(death.get("reason"))
                    + ("delivery_limit".equals(text(death.get("reason")))
                            ? " (the consumer failed on it too often: see its log)"
                            : "");
        }
        String exchange = text(headers.get(BatchMessages.HEADER_EXCHANGE));
        String routingKey = text(headers.get(BatchMessages.HEADER_ROUTING_KEY));
        if (exchange == null && death != null) {
            exchange = text(death.get("exchange"));
            routingKey =
                    death.get("routing-keys") instanceof List<?> keys && !keys.isEmpty() ? text(keys.getFirst()) : null;
        }
        return new DeadLetter(
                response.getEnvelope().getDeliveryTag(),
                stage,
                text(headers.get(BatchMessages.HEADER_SOURCE)),
                text(headers.get(BatchMessages.HEADER_TABLE)),
                headers.get(BatchMessages.HEADER_ROWS),
                reason == null ? "(no reason recorded)" : reason,
                text(headers.get(BatchMessages.HEADER_SQLSTATE)),
                deadAt(headers, death, properties),
                number(headers.get(BatchMessages.HEADER_REPLAYS)),
                exchange,
                routingKey,
                properties,
                response.getBody());
    }

    /** Whether a replay knows where to send it: the getter's letters are input lines, not batches. */
    boolean replayable() {
        return exchange != null && routingKey != null && !"getter".equals(stage);
    }

    Duration age(Instant now) {
        return deadAt == null ? null : Duration.between(deadAt, now);
    }

    private static Map<String, Object> firstDeath(Map<String, Object> headers) {
        if (headers.get("x-death") instanceof List<?> deaths
                && !deaths.isEmpty()
                && deaths.getFirst() instanceof Map<?, ?> first) {
            @SuppressWarnings("unchecked")
            Map<String, Object> death = (Map<String, Object>) first;
            return death;
        }
        return null;
    }

    private static Instant deadAt(Map<String, Object> headers, Map<String, Object> death, AMQP.BasicProperties p) {
        String at = text(headers.get(BatchMessages.HEADER_DEAD_AT));
        if (at != null) {
            try {
                return Instant.parse(at);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        if (death != null && death.get("time") instanceof Date time) {
            return time.toInstant();
        }
        return p.getTimestamp() == null ? null : p.getTimestamp().toInstant();
    }

    static String text(Object value) {
        return value == null ? null : value.toString(); // the client gives strings as LongString
    }

    private static int number(Object value) {
        if (value instanceof Number n) {
            return n.intValue();
        }
        try {
            return value == null ? 0 : Integer.parseInt(value.toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
