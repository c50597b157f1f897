package io.sluice.common.amqp;

import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.MalformedBatchException;
import io.sluice.common.batch.Row;
import java.util.ArrayList;
import java.util.List;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;

/**
 * Turns batches into AMQP messages (body, content type and encoding, the headers of DESIGN.md) and back, splitting
 * oversize ones. Bodies are LZ4-compressed unless configured otherwise; either kind is read, whatever this side writes.
 */
public class BatchMessages {

    public static final String HEADER_SOURCE = "x-sluice-source";
    public static final String HEADER_TABLE = "x-sluice-table";
    public static final String HEADER_ROWS = "x-sluice-rows";
    public static final String HEADER_FIRST_VERSION = "x-sluice-first-version";
    public static final String HEADER_LAST_VERSION = "x-sluice-last-version";
    public static final String HEADER_ERROR = "x-sluice-error";
    public static final String HEADER_STAGE = "x-sluice-stage";

    /** How bodies are written. */
    public enum Compression {
        /** The LZ4 frame format, content encoding {@code lz4}. */
        LZ4,
        /** Plain JSON, no content encoding. */
        NONE
    }

    private final BatchCodec codec;
    private final int maxMessageBytes;
    private final Compression compression;

    public BatchMessages(BatchCodec codec, int maxMessageBytes, Compression compression) {
        this.codec = codec;
        this.maxMessageBytes = maxMessageBytes;
        this.compression = compression;
    }

    /** With the default compression, LZ4. */
    public BatchMessages(BatchCodec codec, int maxMessageBytes) {
        this(codec, maxMessageBytes, Compression.LZ4);
    }

    /** One or more persistent messages holding the batch, each under the size cap (a single huge row stays alone). */
    public List<Message> toMessages(ChangeBatch batch) {
        byte[] body = codec.encode(batch);
        if (compression == Compression.LZ4) {
            body = Lz4Bodies.compress(body);
        }
        if (body.length <= maxMessageBytes || batch.rows().size() <= 1) {
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
        if (encoding == null || encoding.isEmpty()) {
            return codec.decode(body);
        }
        if (encoding.equals(Lz4Bodies.ENCODING)) {
            return codec.decode(Lz4Bodies.decompress(body));
        }
        throw new MalformedBatchException(
                "content encoding '" + encoding + "' is not supported (only " + Lz4Bodies.ENCODING + " or none)");
    }

    private Message message(ChangeBatch batch, byte[] body) {
        return MessageBuilder.withBody(body)
                .setContentType(BatchCodec.CONTENT_TYPE)
                .setContentEncoding(compression == Compression.LZ4 ? Lz4Bodies.ENCODING : null)
                .setDeliveryMode(MessageDeliveryMode.PERSISTENT)
                .setHeader(HEADER_SOURCE, batch.source())
                .setHeader(HEADER_TABLE, batch.table().toString())
                .setHeader(HEADER_ROWS, batch.rows().size())
                .setHeader(HEADER_FIRST_VERSION, batch.firstVersion().toString())
                .setHeader(HEADER_LAST_VERSION, batch.lastVersion().toString())
                .build();
    }

    /** A copy of a message for a dead-letter queue, saying which stage gave up on it and why. */
    public static Message deadLetter(Message original, Topology.Stage stage, String reason) {
        MessageProperties properties = original.getMessageProperties();
        return MessageBuilder.withBody(original.getBody())
                .copyProperties(properties)
                .setHeader(HEADER_STAGE, stage.id())
                .setHeader(HEADER_ERROR, reason)
                .build();
    }
}
