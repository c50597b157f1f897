package io.sluice.common.batch;

/**
 * The binary batch body, layout 1 (content type {@value BatchCodec#BINARY_CONTENT_TYPE}). Every integer is an unsigned
 * LEB128 varint unless said otherwise; a string is its UTF-8 byte length then its bytes.
 *
 * <pre>
 * magic      'S' 'L' 'B' 0x01          (the last byte is the layout; a reader refuses one it does not know)
 * source     string
 * origin     string                    cdc | snapshot | file
 * schema     string
 * table      string                    apart from the schema, so a name may hold dots
 * columns    count, then per column: name string, type string, key byte (0 or 1)
 * previous   byte 0, or byte 1 then the previous columns as above (a schema change)
 * rows       count, then per row:
 *   op       byte                      the JSON contract's letter: c u d r t
 *   flags    byte                      1 = has a commit time, 2 = the same time as the row before, 4 = has unchanged
 *   lsn      8 bytes, big-endian
 *   seq      zigzag varint
 *   ts       zigzag varint epoch seconds, varint nanoseconds (only if flag 1 without flag 2)
 *   values   count, then per value: varint byte length + 1 (0 is SQL NULL), then the PostgreSQL text bytes
 *   unchanged count, then varint column positions (only if flag 4)
 * crc        4 bytes, big-endian: CRC-32C of every byte before it
 * </pre>
 *
 * <p>The versioning rule: a change any reader of layout 1 could misread gets a new layout byte and a new content type;
 * readers keep every layout they know, and writers move to a new one only when every service reads it (so a rolling
 * upgrade first deploys readers, then switches {@code sluice.amqp.format}). The JSON contract keeps its own version.
 */
final class BinaryBatchFormat {

    static final byte LAYOUT = 1;
    static final byte[] MAGIC = {'S', 'L', 'B', LAYOUT};

    static final int ROW_TS = 1;
    static final int ROW_SAME_TS = 2;
    static final int ROW_UNCHANGED = 4;

    private BinaryBatchFormat() {}

    /** Whether a body (or its first bytes) is in the binary layout: JSON opens with '{' or whitespace, never 'S'. */
    static boolean isBinary(byte[] body) {
        return body.length >= 3 && body[0] == MAGIC[0] && body[1] == MAGIC[1] && body[2] == MAGIC[2];
    }
}
