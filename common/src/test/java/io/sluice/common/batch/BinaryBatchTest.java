package io.sluice.common.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.pg.TableName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The binary batch body: every batch the JSON contract carries comes back the same, and damage is only ever malformed. */
class BinaryBatchTest {

    private final BatchCodec codec = new BatchCodec();

    @Test
    void everyFieldCharacterAndNullComesBackAsJsonWouldGiveIt() {
        ChangeBatch batch = randomBatch(new Random(7), 2_000);

        byte[] binary = codec.encode(batch, BatchCodec.Format.BINARY);

        assertThat(codec.decode(binary)).isEqualTo(batch);
        assertThat(codec.decode(codec.encode(batch, BatchCodec.Format.JSON))).isEqualTo(batch);
        assertThat(binary.length).isLessThan(codec.encode(batch).length);
    }

    /**
     * A read binary body keeps its values as bytes; written again from those bytes, without a decode, both formats are
     * byte for byte what the same values as strings give, lone surrogates, quotes and control characters included.
     */
    @Test
    void valuesKeptAsBytesAreWrittenExactlyAsTheirStrings() {
        ChangeBatch batch = randomBatch(new Random(11), 2_000);

        ChangeBatch read = codec.decode(codec.encode(batch, BatchCodec.Format.BINARY));

        assertThat(read.rows().getFirst().values()).isInstanceOf(Utf8Values.class);
        assertThat(codec.encode(read, BatchCodec.Format.JSON)).isEqualTo(codec.encode(batch, BatchCodec.Format.JSON));
        assertThat(codec.encode(read, BatchCodec.Format.BINARY))
                .isEqualTo(codec.encode(batch, BatchCodec.Format.BINARY));
        assertThat(read.rows().stream().map(Row::values).toList())
                .isEqualTo(batch.rows().stream().map(Row::values).toList());

        // JSON keeps in place the rows that need no unescaping, and writes them back the same way.
        ChangeBatch fromJson = codec.decode(codec.encode(batch, BatchCodec.Format.JSON));
        assertThat(fromJson.rows()).anyMatch(row -> row.values() instanceof Utf8Values);
        assertThat(fromJson.rows()).anyMatch(row -> !(row.values() instanceof Utf8Values));
        assertThat(fromJson).isEqualTo(batch);
        assertThat(codec.encode(fromJson, BatchCodec.Format.JSON))
                .isEqualTo(codec.encode(batch, BatchCodec.Format.JSON));
        assertThat(codec.encode(fromJson, BatchCodec.Format.BINARY))
                .isEqualTo(codec.encode(batch, BatchCodec.Format.BINARY));
    }

    @Test
    void schemaChangesTruncationsAndEmptyBatchesRoundTrip() {
        TableName table = new TableName("app", "odd.name \"x\"");
        List<Column> before = List.of(new Column("id", "bigint", true));
        List<Column> after = List.of(new Column("id", "bigint", true), new Column("note", "text", false));
        ChangeBatch change = ChangeBatch.schemaChange("src", table, before, after);
        ChangeBatch truncate = new ChangeBatch(
                "src",
                Origin.SNAPSHOT,
                table,
                after,
                List.of(new Row(Op.TRUNCATE, -1L, Long.MIN_VALUE, null, List.of(), List.of())));
        ChangeBatch empty = new ChangeBatch("", Origin.FILE, table, List.of(), List.of());

        for (ChangeBatch batch : List.of(change, truncate, empty)) {
            assertThat(codec.decode(codec.encode(batch, BatchCodec.Format.BINARY)))
                    .isEqualTo(batch);
        }
    }

    @Test
    void theIdentityIsReadFromTheFirstBytesAlone() {
        ChangeBatch batch = randomBatch(new Random(1), 500);
        byte[] body = codec.encode(batch, BatchCodec.Format.BINARY);

        assertThat(codec.identity(Arrays.copyOf(body, 64)))
                .contains(new BatchCodec.Identity(batch.source(), batch.table()));
        assertThat(codec.identity(Arrays.copyOf(body, 6))).isEmpty();
    }

    @Test
    void aNewerLayoutIsRefusedAsUnsupportedWhateverElseItHolds() {
        byte[] body = codec.encode(randomBatch(new Random(2), 3), BatchCodec.Format.BINARY);
        body[3] = 2;

        assertThatThrownBy(() -> codec.decode(body))
                .isInstanceOf(UnsupportedBatchVersionException.class)
                .hasMessageContaining("binary batch layout 2")
                .hasMessageContaining("sluice.amqp.format=json");
    }

    @Test
    void aFlippedBitFailsTheChecksum() {
        byte[] body = codec.encode(randomBatch(new Random(3), 50), BatchCodec.Format.BINARY);
        body[body.length / 2] ^= 0x10;

        assertThatThrownBy(() -> codec.decode(body))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void aForgedLengthIsRefusedBeforeAnythingIsAllocatedForIt() {
        // magic, source "s", origin "cdc", schema "p", table "t", then 2^62 columns
        byte[] start = {'S', 'L', 'B', 1, 1, 's', 3, 'c', 'd', 'c', 1, 'p', 1, 't'};
        byte[] count = {-1, -1, -1, -1, -1, -1, -1, -1, 0x3f};
        byte[] forged = new byte[start.length + count.length];
        System.arraycopy(start, 0, forged, 0, start.length);
        System.arraycopy(count, 0, forged, start.length, count.length);
        byte[] sealed = withChecksum(forged);

        assertThatThrownBy(() -> codec.decode(sealed))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("more than the body holds");
    }

    @Test
    void rowsOverTheMemoryBudgetAreRefused() {
        byte[] body = codec.encode(randomBatch(new Random(4), 1_000), BatchCodec.Format.BINARY);

        assertThatThrownBy(() -> codec.decode(body, 10_000))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("sluice.amqp.max-decompressed-bytes");
    }

    @Test
    void bytesThatAreNotUtf8AreMalformedNotReplaced() {
        ChangeBatch batch = new ChangeBatch(
                "s",
                Origin.CDC,
                new TableName("public", "t"),
                List.of(new Column("v", "text", false)),
                List.of(new Row(Op.INSERT, 1, 1, null, List.of("é"), List.of())));
        byte[] body = codec.encode(batch, BatchCodec.Format.BINARY);
        int at = indexOf(body, (byte) 0xc3);
        body[at + 1] = (byte) 0x41; // the continuation byte of é becomes 'A'

        assertThatThrownBy(() -> codec.decode(withChecksum(Arrays.copyOf(body, body.length - 4))))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("not UTF-8");
    }

    /**
     * Random truncations and bit flips, with the checksum recomputed so that the reader's own checks are what meets
     * them: each is decoded or refused as malformed, never another exception, never a hang.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void damagedBodiesAreMalformedNeverACrashOrAHang() {
        Random random = new Random(2026);
        ChangeBatch batch = randomBatch(random, 40);
        byte[] good = codec.encode(batch, BatchCodec.Format.BINARY);
        byte[] content = Arrays.copyOf(good, good.length - 4);
        int malformed = 0;
        int decoded = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] damaged = switch (trial % 3) {
                case 0 -> Arrays.copyOf(content, random.nextInt(content.length));
                case 1 -> flip(content.clone(), random, 1 + random.nextInt(4));
                default -> flip(Arrays.copyOf(content, 1 + random.nextInt(content.length)), random, 1);
            };
            byte[] body = withChecksum(damaged);
            try {
                codec.decode(body, 1L << 20);
                decoded++;
            } catch (MalformedBatchException e) {
                assertThat(e.getMessage()).isNotBlank();
                malformed++;
            }
            // Without the recomputed checksum, the same damage is always caught by it.
            if (trial % 3 == 1) {
                byte[] unsealed = Arrays.copyOf(damaged, damaged.length + 4);
                System.arraycopy(good, good.length - 4, unsealed, damaged.length, 4);
                assertThatThrownBy(() -> codec.decode(unsealed)).isInstanceOf(MalformedBatchException.class);
            }
        }
        assertThat(malformed).isGreaterThan(10_000); // most damage is found by the structure alone
        assertThat(malformed + decoded).isEqualTo(20_000);
    }

    private static byte[] flip(byte[] bytes, Random random, int bits) {
        for (int i = 0; i < bits && bytes.length > 0; i++) {
            bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return bytes;
    }

    private static byte[] withChecksum(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        int value = (int) crc.getValue();
        byte[] body = Arrays.copyOf(content, content.length + 4);
        for (int i = 0; i < 4; i++) {
            body[content.length + i] = (byte) (value >>> (24 - 8 * i));
        }
        return body;
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new AssertionError("no byte " + b);
    }

    /** Rows with every kind of character (lone surrogates too), NULLs, unchanged TOAST, shared and missing times. */
    static ChangeBatch randomBatch(Random random, int rowCount) {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < rowCount; r++) {
            StringBuilder value = new StringBuilder();
            for (int i = random.nextInt(300); i > 0; i--) {
                switch (random.nextInt(6)) {
                    case 0 -> value.append((char) random.nextInt(0x20));
                    case 1 -> value.append("\"\\/\t\n".charAt(random.nextInt(5)));
                    case 2 -> value.append((char) (0x20 + random.nextInt(0x60)));
                    case 3 -> value.append((char) (0x80 + random.nextInt(0x780)));
                    case 4 -> value.append((char) (0x800 + random.nextInt(0xf7ff)));
                    default -> value.appendCodePoint(0x10000 + random.nextInt(0xfffff));
                }
            }
            Op op = Op.values()[random.nextInt(4)];
            Instant ts =
                    r % 11 == 0 ? null : Instant.ofEpochSecond(1_780_000_000L + r / 10, random.nextInt(1_000_000_000));
            rows.add(new Row(
                    op,
                    random.nextLong(),
                    random.nextLong(),
                    ts,
                    Arrays.asList(value.toString(), r % 7 == 0 ? null : Long.toString(random.nextLong()), ""),
                    r % 5 == 0 ? List.of(1, 2) : List.of()));
        }
        return new ChangeBatch(
                "s\"rc\u00e9",
                Origin.values()[random.nextInt(3)],
                new TableName("public", "odd \"name\""),
                List.of(
                        new Column("v", "text", true),
                        new Column("n", "bigint", false),
                        new Column("é", "text", false)),
                rows);
    }
}
