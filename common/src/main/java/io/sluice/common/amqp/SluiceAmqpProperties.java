package io.sluice.common.amqp;

import io.sluice.common.batch.BatchCodec;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The RabbitMQ topology every service shares, under {@code sluice.amqp}.
 *
 * @param prefix first part of every exchange and queue name, so that several pipelines (or tests) share one broker
 * @param targets the warehouses the loader writes to; each gets its own queue {@code <prefix>.loader.<target>}
 * @param deliveryLimit deliveries after which a message that keeps failing is dead-lettered
 * @param maxMessageBytes size cap of one batch message; larger batches are split
 * @param confirmTimeout how long a publisher waits for the broker to confirm a message before treating it as failed
 * @param queueKind {@code quorum} (RabbitMQ: replicated queues with the delivery limit and dead-letter exchange) or
 *     {@code plain} (durable queues without broker-specific arguments, for another AMQP 0-9-1 broker such as the
 *     quickstart's embedded one; a message that keeps failing is then redelivered without limit)
 * @param compression how batch bodies are written: {@code lz4} (the LZ4 frame format, content encoding {@code lz4}) or
 *     {@code none} (plain JSON); consumers read both, so it can be changed one service at a time
 * @param format how batch bodies are encoded: {@code json} (the contract v1, for outside consumers and services older
 *     than the binary layout) or {@code binary} (length-prefixed values, cheaper to write and read); every service
 *     reads both, so switch to {@code binary} once every service runs a version that reads it
 * @param maxInboundBytes a received body over this is dead-lettered unread (default: a sixteenth of the heap, 8 to 64
 *     MiB)
 * @param maxDecompressedBytes what one received body may decompress to and its rows hold (default: an eighth of the
 *     heap, 16 to 256 MiB)
 */
@Validated
@ConfigurationProperties("sluice.amqp")
public record SluiceAmqpProperties(
        @DefaultValue("sluice") @Pattern(regexp = "[A-Za-z0-9_.-]+", message = "use letters, digits, '_', '-' and '.'")
        String prefix,

        @DefaultValue("warehouse") @NotEmpty List<@Pattern(regexp = "[A-Za-z0-9_-]+") String> targets,
        @DefaultValue("5") @Min(1) int deliveryLimit,
        @DefaultValue("4194304") @Min(1024) int maxMessageBytes,
        @DefaultValue("30s") Duration confirmTimeout,
        @DefaultValue("quorum") QueueKind queueKind,
        @DefaultValue("lz4") BatchMessages.Compression compression,
        @DefaultValue("json") BatchCodec.Format format,
        DataSize maxInboundBytes,
        DataSize maxDecompressedBytes) {

    /** How work and dead-letter queues are declared. */
    public enum QueueKind {
        /** RabbitMQ quorum queues with a delivery limit and dead-lettering to the topology's dead-letter exchange. */
        QUORUM,
        /** Durable queues without arguments, which any AMQP 0-9-1 broker accepts. */
        PLAIN
    }

    public Topology topology() {
        return new Topology(prefix, targets);
    }
}
