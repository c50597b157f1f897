package io.sluice.common.amqp;

import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.MalformedBatchException;
import io.sluice.common.batch.Row;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;

/**
 * Turns batches into AMQP messages (body, content type and encoding, the headers of DESIGN.md) and back, splitting
 * oversize ones. Bodies are JSON or binary and LZ4-compressed as configured; every kind is read, whatever this side
 * writes.
 */
public class BatchMessages {

    public static final String HEADER_SOURCE = "x-sluice-source";
    public static final String HEADER_TABLE = "x-sluice-table";
    public static final String HEADER_ROWS = "x-sluice-rows";
    public static final String HEADER_FIRST_VERSION = "x-sluice-first-version";
    public static final String HEADER_LAST_VERSION = "x-sluice-last-version";
    public static final String HEADER_ERROR = "x-sluice-error";
    public static final String HEADER_STAGE = "x-sluice-stage";
    /** On batches of file rows, and every dead letter of one: the file's name in its store. */
    public static final String HEADER_FILE = "x-sluice-file";
    /** On a dead letter of one file row: its line (record) number in the file. */
    public static final String HEADER_LINE = "x-sluice-line";
    /** On a dead letter: the exchange and routing key it was consumed from, where a replay sends it back. */
    public static final String HEADER_EXCHANGE = "x-sluice-exchange";

    public static final String HEADER_ROUTING_KEY = "x-sluice-routing-key";
    /** On a dead letter: when the stage gave up on it (ISO-8601). */
    public static final String HEADER_DEAD_AT = "x-sluice-dead-at";
    /** On a replayed message and its later dead letters: how often it was replayed. */
    public static final String HEADER_REPLAYS = "x-sluice-replays";
    /** On a dead letter the database refused: its SQLSTATE (e.g. 42501), so a script can tell a right from a value. */
    public static final String HEADER_SQLSTATE = "x-sluice-sqlstate";

    /** How bodies are written. */
    public enum Compression {
        /** The LZ4 frame format, content encoding {@code lz4}. */
        LZ4,
        /** Plain JSON, no content encoding. */
        NONE
    }

    /** How much of a body is decompressed to find its source and table, which the writer puts first. */
    private static final int IDENTITY_PREFIX_BYTES = 4096;

    private final BatchCodec codec;
    private final int maxMessageBytes;
    private final Compression compression;
    private final BatchCodec.Format format;
    private final MessageLimits limits;

    public BatchMessages(
            BatchCodec codec,
            int maxMessageBytes,
            Compression compression,
            BatchCodec.Format format,
            MessageLimits limits) {
        this.codec = codec;
        this.maxMessageBytes = maxMessageBytes;
        this.compression = compression;
        this.format = format;
        this.limits = limits;
    }

    /** Writing JSON. */
    public BatchMessages(BatchCodec codec, int maxMessageBytes, Compression compression, MessageLimits limits) {
        this(codec, maxMessageBytes, compression, BatchCodec.Format.JSON, limits);
    }

    /** Without limits on what is read: for tools and tests, not for a service's inbound messages. */
    public BatchMessages(BatchCodec codec, int maxMessageBytes, Compression compression, BatchCodec.Format format) {
        this(codec, maxMessageBytes, compression, format, MessageLimits.unlimited());
    }

    /** Without limits on what is read: for tools and tests, not for a service's inbound messages. */
    public BatchMessages(BatchCodec codec, int maxMessageBytes, Compression compression) {
        this(codec, maxMessageBytes, compression, MessageLimits.unlimited());
    }

    /** With the default compression, LZ4, and no limits on what is read. */
    public BatchMessages(BatchCodec codec, int maxMessageBytes) {
        this(codec, maxMessageBytes, Compression.LZ4);
    }

    /**
     * One or more persistent messages holding the batch, each under the size cap and decompressing to at most four times
     * it (so that every consumer's decompression limit takes them); a single huge row stays alone.
     */
    public List<Message> toMessages(ChangeBatch batch) {
        byte[] encoded = codec.encode(batch, format);
        byte[] body = compression == Compression.LZ4 ? Lz4Bodies.compress(encoded) : encoded;
        if (body.length <= maxMessageBytes && encoded.length <= 4L * maxMessageBytes
                || batch.rows().size() <= 1) {
            return List.of(message(batch, body));
        }
        List<Row> rows = batch.rows();
        int half = rows.size() / 2;
        List<Message> messages = new ArrayList<>(toMessages(batch.withRows(rows.subList(0, half))));
        messages.addAll(toMessages(batch.withRows(rows.subList(half, rows.size()))));
        return messages;
    }

    /** The batch in a message, whichever way its body is encoded; a body that cannot be a batch is malformed. */
    public ChangeBatch fromMessage(Message message) {
        return fromBody(message.getBody(), message.getMessageProperties().getContentEncoding());
    }

    /** The batch in a body with its content encoding, as a plain AMQP client receives them. */
    public ChangeBatch fromBody(byte[] body, String encoding) {
        if (body.length > limits.inboundBytes()) {
            throw new MalformedBatchException("a body of " + body.length + " bytes is over the " + limits.inboundBytes()
                    + " bytes a batch message may have here (sluice.amqp.max-inbound-bytes)");
        }
        int maxBytes = (int) Math.min(limits.decompressedBytes(), Integer.MAX_VALUE - 8);
        return codec.decode(lz4(encoding) ? Lz4Bodies.decompress(body, maxBytes) : body, maxBytes);
    }

    /**
     * The source and table a message's body names, read from its first bytes only; empty when they are not there (the
     * writer puts them first, but any order is a valid batch) or the body cannot be read.
     */
    public Optional<BatchCodec.Identity> identity(Message message) {
        byte[] body = message.getBody();
        try {
            byte[] start = lz4(message.getMessageProperties().getContentEncoding())
                    ? Lz4Bodies.prefix(body, IDENTITY_PREFIX_BYTES)
                    : body.length <= IDENTITY_PREFIX_BYTES ? body : Arrays.copyOf(body, IDENTITY_PREFIX_BYTES);
            return codec.identity(start);
        } catch (MalformedBatchException e) {
            return Optional.empty();
        }
    }

    private static boolean lz4(String encoding) {
        if (encoding == null || encoding.isEmpty()) {
            return false;
        }
        if (encoding.equals(Lz4Bodies.ENCODING)) {
            return true;
        }
        throw new MalformedBatchException(
                "content encoding '" + encoding + "' is not supported (only " + Lz4Bodies.ENCODING + " or none)");
    }

    private Message message(ChangeBatch batch, byte[] body) {
        return MessageBuilder.withBody(body)
                .setContentType(format.contentType())
                .setContentEncoding(compression == Compression.LZ4 ? Lz4Bodies.ENCODING : null)
                .setDeliveryMode(MessageDeliveryMode.PERSISTENT)
                .setHeader(HEADER_SOURCE, batch.source())
                .setHeader(HEADER_TABLE, batch.table().toString())
                .setHeader(HEADER_ROWS, batch.rows().size())
                .setHeader(HEADER_FIRST_VERSION, batch.firstVersion().toString())
                .setHeader(HEADER_LAST_VERSION, batch.lastVersion().toString())
                .build();
    }

    /**
     * Rows set aside from a batch that came in {@code from}, as messages that say where they came from: the input's
     * file name, and for file rows one message per row with its line (a file row's version is its line).
     */
    public List<Message> setAside(ChangeBatch rows, Message from) {
        Object file = from == null ? null : from.getMessageProperties().getHeader(HEADER_FILE);
        List<Message> out = new ArrayList<>();
        if (rows.origin() == io.sluice.common.batch.Origin.FILE && rows.rows().size() > 1) {
            for (Row row : rows.rows()) {
                out.addAll(setAside(rows.withRows(List.of(row)), from));
            }
            return out;
        }
        for (Message message : toMessages(rows)) {
            if (file != null) {
                message.getMessageProperties().setHeader(HEADER_FILE, file);
            }
            if (from != null) { // the input's own route and replay count, for a replay of what is set aside
                MessageProperties input = from.getMessageProperties();
                setIfPresent(message, HEADER_EXCHANGE, input.getReceivedExchange());
                setIfPresent(message, HEADER_ROUTING_KEY, input.getReceivedRoutingKey());
                setIfPresent(message, HEADER_REPLAYS, input.getHeader(HEADER_REPLAYS));
            }
            if (rows.origin() == io.sluice.common.batch.Origin.FILE
                    && rows.rows().size() == 1) {
                message.getMessageProperties()
                        .setHeader(HEADER_LINE, rows.rows().getFirst().seq());
            }
            out.add(message);
        }
        return out;
    }

    /**
     * A copy of a message for a dead-letter queue, saying which stage gave up on it, why and when, and where it was
     * consumed from (so that {@code sluice dead-letters replay} can send it back there once the cause is fixed).
     */
    public static Message deadLetter(Message original, Topology.Stage stage, String reason) {
        MessageProperties properties = original.getMessageProperties();
        Message dead = MessageBuilder.withBody(original.getBody())
                .copyProperties(properties)
                .setHeader(HEADER_STAGE, stage.id())
                .setHeader(HEADER_ERROR, reason)
                .setHeader(HEADER_DEAD_AT, java.time.Instant.now().toString())
                .build();
        // Where it was received wins over a header it came with: a relayed message keeps its headers.
        setIfPresent(dead, HEADER_EXCHANGE, properties.getReceivedExchange());
        setIfPresent(dead, HEADER_ROUTING_KEY, properties.getReceivedRoutingKey());
        return dead;
    }

    private static void setIfPresent(Message message, String header, Object value) {
        if (value != null) {
            message.getMessageProperties().setHeader(header, value);
        }
    }
}
