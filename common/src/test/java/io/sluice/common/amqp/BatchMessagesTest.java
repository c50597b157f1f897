package io.sluice.common.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.amqp.BatchMessages.Compression;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.MalformedBatchException;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;

/** Batch messages on the wire: LZ4 frames or plain JSON, both read back; anything else is a malformed batch. */
class BatchMessagesTest {

    private static final BatchCodec CODEC = new BatchCodec();
    private final BatchMessages lz4 = new BatchMessages(CODEC, 4 * 1024 * 1024, Compression.LZ4);
    private final BatchMessages plain = new BatchMessages(CODEC, 4 * 1024 * 1024, Compression.NONE);

    @Test
    void anLz4BodyIsAStandardFrameSmallerThanItsJsonAndEitherSideReadsEitherKind() {
        ChangeBatch batch = batch(2_000);
        Message compressed = single(lz4.toMessages(batch));
        Message json = single(plain.toMessages(batch));

        assertThat(compressed.getMessageProperties().getContentEncoding()).isEqualTo("lz4");
        // The LZ4 frame magic number, 0x184D2204 little-endian: what the lz4 command and every LZ4 library read.
        assertThat(Arrays.copyOf(compressed.getBody(), 4)).containsExactly(0x04, 0x22, 0x4D, 0x18);
        assertThat(compressed.getBody().length).isLessThan(json.getBody().length / 2);
        assertThat(json.getMessageProperties().getContentEncoding()).isNull();
        assertThat(json.getBody()).isEqualTo(CODEC.encode(batch));

        for (BatchMessages reader : List.of(lz4, plain)) {
            assertThat(reader.fromMessage(compressed)).isEqualTo(batch);
            assertThat(reader.fromMessage(json)).isEqualTo(batch);
        }
        assertThat(lz4.fromMessage(single(lz4.toMessages(batch(0).withRows(List.of()))))
                        .rows())
                .isEmpty();
    }

    @Test
    void binaryBodiesSayTheirContentTypeAndEveryReaderTakesThemAndJsonAlike() {
        ChangeBatch batch = batch(2_000);
        BatchMessages binaryLz4 = new BatchMessages(CODEC, 4 * 1024 * 1024, Compression.LZ4, BatchCodec.Format.BINARY);
        BatchMessages binaryPlain =
                new BatchMessages(CODEC, 4 * 1024 * 1024, Compression.NONE, BatchCodec.Format.BINARY);
        Message compressed = single(binaryLz4.toMessages(batch));
        Message raw = single(binaryPlain.toMessages(batch));

        assertThat(compressed.getMessageProperties().getContentType())
                .isEqualTo("application/vnd.sluice.batch+binary;v=1");
        assertThat(single(lz4.toMessages(batch)).getMessageProperties().getContentType())
                .isEqualTo("application/vnd.sluice.batch+json;v=1");
        assertThat(raw.getBody().length)
                .isLessThan(single(plain.toMessages(batch)).getBody().length);
        for (BatchMessages reader : List.of(lz4, plain, binaryLz4, binaryPlain)) {
            assertThat(reader.fromMessage(compressed)).isEqualTo(batch);
            assertThat(reader.fromMessage(raw)).isEqualTo(batch);
            assertThat(reader.fromMessage(single(lz4.toMessages(batch)))).isEqualTo(batch);
            assertThat(reader.identity(compressed)).contains(new BatchCodec.Identity(batch.source(), batch.table()));
        }
        BatchMessages capped =
                new BatchMessages(CODEC, raw.getBody().length - 1, Compression.NONE, BatchCodec.Format.BINARY);
        List<Message> parts = capped.toMessages(batch);
        assertThat(parts).hasSizeGreaterThan(1);
        assertThat(parts.stream().flatMap(m -> lz4.fromMessage(m).rows().stream()))
                .containsExactlyElementsOf(batch.rows());
    }

    @Test
    void theSizeCapIsOnTheBodyTheBrokerGets() {
        ChangeBatch batch = batch(2_000);
        int jsonBytes = CODEC.encode(batch).length;
        BatchMessages capped = new BatchMessages(CODEC, jsonBytes - 1, Compression.LZ4);
        BatchMessages cappedPlain = new BatchMessages(CODEC, jsonBytes - 1, Compression.NONE);

        assertThat(capped.toMessages(batch)).hasSize(1);
        List<Message> parts = cappedPlain.toMessages(batch);
        assertThat(parts).hasSizeGreaterThan(1);
        assertThat(parts.stream().flatMap(m -> cappedPlain.fromMessage(m).rows().stream()))
                .containsExactlyElementsOf(batch.rows());
    }

    @Test
    void anotherEncodingOrADamagedFrameIsAMalformedBatchNamingTheProblem() {
        byte[] frame = single(lz4.toMessages(batch(500))).getBody();

        assertThatThrownBy(() -> lz4.fromMessage(message(frame, "gzip")))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("content encoding 'gzip' is not supported");
        assertThatThrownBy(() -> lz4.fromMessage(message("{\"v\":1}".getBytes(), "lz4")))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("unreadable lz4 body");
        for (int cut : new int[] {1, 4, 7, 12, frame.length / 2, frame.length - 1}) {
            assertThatThrownBy(() -> lz4.fromMessage(message(Arrays.copyOf(frame, cut), "lz4")))
                    .as("cut at %d of %d", cut, frame.length)
                    .isInstanceOf(MalformedBatchException.class);
        }
        byte[] damaged = frame.clone();
        for (int i = 20; i < damaged.length; i += 7) {
            damaged[i] ^= 0x5A;
        }
        assertThatThrownBy(() -> lz4.fromMessage(message(damaged, "lz4"))).isInstanceOf(MalformedBatchException.class);
    }

    @Test
    void aBodyThatDecompressesBeyondTheBoundIsRefused() {
        byte[] frame = single(lz4.toMessages(batch(2_000))).getBody();
        int size = CODEC.encode(batch(2_000)).length;

        assertThat(Lz4Bodies.decompress(frame, size)).hasSize(size);
        assertThatThrownBy(() -> Lz4Bodies.decompress(frame, size - 1))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("decompresses to more than the " + (size - 1) + " bytes a batch may have");
    }

    private static Message single(List<Message> messages) {
        assertThat(messages).hasSize(1);
        return messages.get(0);
    }

    private static Message message(byte[] body, String encoding) {
        return MessageBuilder.withBody(body).setContentEncoding(encoding).build();
    }

    private static ChangeBatch batch(int rows) {
        List<Row> list = new ArrayList<>();
        Instant commit = Instant.parse("2026-11-30T22:45:00.123456Z");
        for (int i = 0; i < rows; i++) {
            list.add(new Row(
                    Op.INSERT,
                    1_000 + i / 100,
                    i,
                    commit,
                    Arrays.asList("" + i, i % 3 == 0 ? null : "note " + Integer.toHexString(i * 7919), "中文"),
                    List.of()));
        }
        return new ChangeBatch(
                "shop",
                Origin.CDC,
                new TableName("public", "orders"),
                List.of(
                        new Column("id", "int8", true),
                        new Column("note", "text", false),
                        new Column("t", "text", false)),
                list);
    }

    /** Few characters, so that the frame holds long matches, overlapping ones included. */
    private static final String ALPHABET = "{\"v:1,source\"";

    @Test
    void theStartOfAnLz4BodyIsDecodedAloneExactlyAndADamagedOneIsMalformed() {
        java.util.Random random = new java.util.Random(5);
        for (int size : new int[] {0, 1, 17, 5_000, 300_000}) {
            byte[] content = new byte[size];
            for (int i = 0; i < size; i++) {
                content[i] = (byte) ALPHABET.charAt(random.nextInt(ALPHABET.length()));
            }
            byte[] frame = Lz4Bodies.compress(content);
            for (int limit : new int[] {1, 100, 4096}) {
                assertThat(Lz4Bodies.prefix(frame, limit))
                        .as("%d bytes, first %d", size, limit)
                        .isEqualTo(java.util.Arrays.copyOf(content, Math.min(limit, size)));
            }
            for (int damage = 0; damage < 2_000 && frame.length > 0; damage++) {
                byte[] broken = frame.clone();
                broken[random.nextInt(broken.length)] ^= (byte) (1 << random.nextInt(8));
                byte[] cut = java.util.Arrays.copyOf(broken, random.nextInt(broken.length + 1));
                try {
                    assertThat(Lz4Bodies.prefix(cut, 4096).length).isLessThanOrEqualTo(4096);
                } catch (io.sluice.common.batch.MalformedBatchException expected) {
                    // damaged: the caller reads the whole body instead, which says why
                }
            }
        }
    }

    @Test
    void aBatchsIdentityIsReadFromTheStartOfItsBodyEitherWay() {
        ChangeBatch batch = batch(1000);
        for (BatchMessages messages : List.of(lz4, plain)) {
            org.springframework.amqp.core.Message message =
                    messages.toMessages(batch).getFirst();
            assertThat(messages.identity(message))
                    .contains(new io.sluice.common.batch.BatchCodec.Identity(batch.source(), batch.table()));
        }
    }
}
