package io.sluice.common.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sluice.common.pg.TableName;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The batch reader takes any JSON a batch can be written as, and refuses everything else with a clear error. */
class JsonBatchReaderTest {

    private final BatchCodec codec = new BatchCodec();
    private final Random random = new Random(7);

    /** Wide rows whose first escape comes late: the values before it, kept in place until then, are not lost. */
    @Test
    void wideRowsWithALateEscapeKeepEveryValue() {
        List<Column> columns = new ArrayList<>();
        List<String> plain = new ArrayList<>();
        List<String> escaped = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            columns.add(new Column("c" + i, "text", i == 0));
            plain.add(i % 9 == 0 ? null : "v" + i + "ü");
            escaped.add(i == 50 ? "line\nbreak \"quoted\"" : i % 9 == 0 ? null : "v" + i);
        }
        ChangeBatch batch = new ChangeBatch(
                "s",
                Origin.CDC,
                new TableName("public", "wide"),
                columns,
                List.of(
                        new Row(Op.INSERT, 1, 1, null, plain, List.of()),
                        new Row(Op.INSERT, 1, 2, null, escaped, List.of())));

        ChangeBatch read = codec.decode(codec.encode(batch));

        assertThat(read).isEqualTo(batch);
        assertThat(read.rows().get(0).values()).isInstanceOf(Utf8Values.class);
        assertThat(read.rows().get(1).values()).isNotInstanceOf(Utf8Values.class);
    }

    @Test
    void readsWhatAnotherWriterMakesOfABatch() {
        // Another producer: pretty printed, every non-ASCII character escaped, fields in another order, fields of
        // later versions of v1 (of every shape) mixed in.
        JsonMapper mapper =
                JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
        for (int round = 0; round < 50; round++) {
            ChangeBatch batch = randomBatch(200);
            ObjectNode json = mapper.createObjectNode();
            json.putObject("later")
                    .putArray("shape")
                    .add(1.5e3)
                    .add(true)
                    .addNull()
                    .addObject()
                    .put("x", "y");
            ArrayNode rows = json.putArray("rows");
            for (Row row : batch.rows()) {
                ObjectNode r = rows.addObject();
                ArrayNode values = r.putArray("values");
                row.values().forEach(values::add);
                r.put("seq", row.seq())
                        .put("lsn", row.lsn())
                        .put("op", String.valueOf(row.op().code()));
                r.put("ts", row.ts() == null ? null : row.ts().toString());
                r.put("added", "ignored");
                row.unchanged().forEach(r.withArray("unchanged")::add);
            }
            ArrayNode columns = json.putArray("columns");
            batch.columns()
                    .forEach(c -> columns.addObject()
                            .put("type", c.type())
                            .put("name", c.name())
                            .put("key", c.key()));
            json.put("table", batch.table().toString())
                    .put("origin", batch.origin().wireName())
                    .put("source", batch.source())
                    .put("v", 1);
            byte[] body = mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);

            assertThat(codec.decode(body)).isEqualTo(batch);
        }
    }

    @Test
    void everyTruncationIsMalformedNeverACrash() {
        byte[] body = codec.encode(randomBatch(3));
        for (int length = 0; length < body.length; length++) {
            byte[] cut = Arrays.copyOf(body, length);
            assertThat(catchThrowable(() -> codec.decode(cut)))
                    .as("%d of %d bytes", length, body.length)
                    .isInstanceOf(MalformedBatchException.class);
        }
    }

    @Test
    void aDamagedBodyIsReadOrMalformedNeverACrash() {
        byte[] body = codec.encode(randomBatch(5));
        for (int i = 0; i < 20_000; i++) {
            byte[] damaged = body.clone();
            for (int hits = 1 + random.nextInt(3); hits > 0; hits--) {
                String damage = "{}[]\",:\\ 0-tfnu\u0001é";
                damaged[random.nextInt(damaged.length)] = (byte) damage.charAt(random.nextInt(damage.length()));
            }
            Throwable error = catchThrowable(() -> codec.decode(damaged));
            if (error != null) {
                assertThat(error).isInstanceOf(MalformedBatchException.class);
            }
        }
    }

    @Test
    void badUtf8IsAnErrorButAReplacementCharacterIsText() {
        byte[] bad = ("{\"v\":1,\"source\":\"s\",\"origin\":\"cdc\",\"table\":\"a.b\",\"columns\":[{\"name\":\"k\","
                        + "\"type\":\"text\"}],\"rows\":[{\"op\":\"c\",\"values\":[\"ab\u00ff\"]}]}")
                .getBytes(StandardCharsets.ISO_8859_1); // a lone 0xff byte: not UTF-8
        assertThatThrownBy(() -> codec.decode(bad))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("not valid UTF-8");

        byte[] replacement = new String(bad, StandardCharsets.ISO_8859_1)
                .replace('\u00ff', '\uFFFD')
                .getBytes(StandardCharsets.UTF_8);
        assertThat(codec.decode(replacement).rows().getFirst().values()).containsExactly("ab\uFFFD");
    }

    @Test
    void commitTimesReadAsInstantParseReadsThem() {
        for (int i = 0; i < 100_000; i++) {
            Instant time = Instant.ofEpochSecond(
                    random.nextLong(-62_167_219_200L, 253_402_300_799L), // years 0 to 9999
                    switch (i % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1_000;
                        default -> random.nextInt(1_000_000_000);
                    });
            assertThat(InstantText.instant(time.toString())).isEqualTo(time);
        }
        // Odd forms are Instant.parse's to judge: same answer, same refusal.
        for (String odd : List.of(
                "2026-11-30T10:00:00.5Z",
                "2026-11-30T24:00:00Z",
                "2026-11-30T10:00:00.Z",
                "2026-02-30T10:00:00Z",
                "2026-11-30 10:00:00Z",
                "+12026-11-30T10:00:00Z",
                "x")) {
            Object expected;
            try {
                expected = Instant.parse(odd);
            } catch (DateTimeException e) {
                expected = DateTimeException.class;
            }
            Object actual;
            try {
                actual = InstantText.instant(odd);
            } catch (DateTimeException e) {
                actual = DateTimeException.class;
            }
            assertThat(actual).as(odd).isEqualTo(expected);
        }
    }

    @Test
    void errorsSayWhatAndWhere() {
        assertThatThrownBy(() -> codec.decode("{\"v\":1,\"source\":\"s\" \"origin\"".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("not a batch: expected ',' or '}' at byte 20");
        assertThatThrownBy(() -> codec.decode(
                        "{\"v\":1,\"rows\":[{\"op\":\"c\",\"values\":[{}]}]}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("values hold text-format strings or null, not an object");
        assertThatThrownBy(() -> codec.decode("{\"v\":\"1\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("v is a whole number, not a string");
        byte[] trailing = (new String(codec.encode(randomBatch(1)), StandardCharsets.UTF_8) + " x")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(trailing)).hasMessageContaining("content after the batch");
    }

    private ChangeBatch randomBatch(int rows) {
        List<Row> list = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            list.add(new Row(
                    Op.values()[random.nextInt(4)],
                    Math.abs(random.nextLong()),
                    r,
                    r % 3 == 0 ? null : Instant.ofEpochSecond(1_700_000_000L + r / 10, r * 1000L),
                    Arrays.asList(randomText(), r % 4 == 0 ? null : "中文 " + r, Long.toString(random.nextLong())),
                    r % 5 == 0 ? List.of(1) : List.of()));
        }
        return new ChangeBatch(
                "src",
                Origin.CDC,
                new TableName("public", "t"),
                List.of(new Column("a", "text", true), new Column("b", "text", false), new Column("c", "int8", false)),
                list);
    }

    private String randomText() {
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(30); i > 0; i--) {
            switch (random.nextInt(5)) {
                case 0 -> text.append((char) random.nextInt(0x20));
                case 1 -> text.append("\"\\/".charAt(random.nextInt(3)));
                case 2 -> text.append((char) (0x20 + random.nextInt(0x60)));
                case 3 -> text.append((char) (0x80 + random.nextInt(0xd000)));
                default -> text.appendCodePoint(0x10000 + random.nextInt(0xfffff));
            }
        }
        return text.toString();
    }
}
