package io.sluice.common.amqp;

import org.springframework.util.unit.DataSize;

/**
 * How large one inbound batch may be, so that no message — however it was forged — can exhaust a service's heap: its
 * body as received, what it decompresses to, and the memory its decoded rows may take. Left unset, each is derived from
 * the JVM's heap limit ({@code -Xmx}), so a service with a small heap refuses smaller messages instead of dying on them.
 *
 * @param inboundBytes a body larger than this is dead-lettered, unread, on its first delivery
 * @param decompressedBytes what one body may decompress to (and, as an estimate, what its decoded rows may hold)
 * @param clientBytes the AMQP client's own cap, above {@code inboundBytes} so that the service sees (and
 *     dead-letters) an oversize body rather than the client closing its connection on it, which would redeliver the
 *     message for ever; RabbitMQ's {@code max_message_size} should not exceed it
 */
public record MessageLimits(long inboundBytes, long decompressedBytes, long clientBytes) {

    private static final long MIB = 1024 * 1024;

    /** Limits that suit a heap of {@code maxHeap} bytes, where not configured. */
    public static MessageLimits derive(DataSize inbound, DataSize decompressed, long maxHeap) {
        long inboundBytes = inbound != null ? inbound.toBytes() : Math.clamp(maxHeap / 16, 8 * MIB, 64 * MIB);
        long decompressedBytes =
                decompressed != null ? decompressed.toBytes() : Math.clamp(maxHeap / 8, 16 * MIB, 256 * MIB);
        long clientBytes = Math.max(inboundBytes + 1, Math.min(maxHeap / 4, 128 * MIB));
        return new MessageLimits(inboundBytes, decompressedBytes, Math.min(clientBytes, Integer.MAX_VALUE));
    }

    /** The limits for this JVM's heap. */
    public static MessageLimits of(SluiceAmqpProperties properties) {
        return derive(
                properties.maxInboundBytes(),
                properties.maxDecompressedBytes(),
                Runtime.getRuntime().maxMemory());
    }

    /** Generous limits for tools and tests that read batches outside a service. */
    public static MessageLimits unlimited() {
        return new MessageLimits(Integer.MAX_VALUE, Integer.MAX_VALUE - 8, Integer.MAX_VALUE);
    }
}
