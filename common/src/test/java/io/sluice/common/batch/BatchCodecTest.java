package io.sluice.common.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.pg.TableName;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class BatchCodecTest {

    private final BatchCodec codec = new BatchCodec();

    private static ChangeBatch sample() {
        return new ChangeBatch(
                "orders-db",
                Origin.CDC,
                new TableName("public", "orders"),
                List.of(new Column("id", "bigint", true), new Column("note", "text", false)),
                List.of(
                        new Row(
                                Op.INSERT,
                                24153024L,
                                1,
                                Instant.parse("2026-11-23T10:00:00.123456Z"),
                                Arrays.asList("42", "tab\t \"quoted\" 中文 \\ back"),
                                List.of()),
                        new Row(Op.UPDATE, 24153024L, 3, null, Arrays.asList("42", null), List.of(1)),
                        new Row(Op.DELETE, 24153100L, 1, null, Arrays.asList("7", null), List.of())));
    }

    @Test
    void roundTripKeepsEveryFieldNullAndCharacter() {
        ChangeBatch batch = sample();
        assertThat(codec.decode(codec.encode(batch))).isEqualTo(batch);
    }

    @Test
    void everyCharacterSurvivesTheWriterAndAnyJsonReader() {
        Random random = new Random(42);
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 2_000; r++) {
            StringBuilder value = new StringBuilder();
            for (int i = random.nextInt(40); i > 0; i--) {
                switch (random.nextInt(6)) {
                    case 0 -> value.append((char) random.nextInt(0x20)); // control characters
                    case 1 -> value.append("\"\\/".charAt(random.nextInt(3)));
                    case 2 -> value.append((char) (0x20 + random.nextInt(0x60)));
                    case 3 -> value.append((char) (0x80 + random.nextInt(0x780))); // two UTF-8 bytes
                    case 4 -> value.append((char) (0x800 + random.nextInt(0xf7ff))); // three, lone surrogates too
                    default -> value.appendCodePoint(0x10000 + random.nextInt(0xfffff)); // a surrogate pair
                }
            }
            rows.add(new Row(
                    Op.INSERT,
                    random.nextLong(),
                    r,
                    Instant.ofEpochSecond(r / 100),
                    Arrays.asList(value.toString(), r % 7 == 0 ? null : Long.toString(random.nextLong())),
                    r % 5 == 0 ? List.of(1) : List.of()));
        }
        ChangeBatch batch = new ChangeBatch(
                "s\"rc\u00e9",
                Origin.FILE,
                new TableName("public", "odd \"name\""),
                List.of(new Column("v", "text", true), new Column("n", "bigint", false)),
                rows);

        byte[] body = codec.encode(batch);
        assertThat(codec.decode(body)).isEqualTo(batch);
        // Any JSON reader gets the same text: another team's consumer of the queue, say.
        JsonNode json = JsonMapper.builder().build().readTree(body);
        assertThat(json.get("source").asString()).isEqualTo(batch.source());
        assertThat(json.get("table").asString()).isEqualTo("public.odd \"name\"");
        for (int r = 0; r < rows.size(); r++) {
            JsonNode row = json.get("rows").get(r);
            assertThat(row.get("lsn").asLong()).isEqualTo(rows.get(r).lsn());
            assertThat(row.get("values").get(0).asString())
                    .isEqualTo(rows.get(r).values().get(0));
        }
    }

    @Test
    void writesTheContractOfTheDesign() {
        String json = new String(codec.encode(sample()), StandardCharsets.UTF_8);
        assertThat(json)
                .startsWith("{\"v\":1,\"source\":\"orders-db\",\"origin\":\"cdc\",\"table\":\"public.orders\"")
                .contains("{\"name\":\"id\",\"type\":\"bigint\",\"key\":true}")
                .contains("{\"op\":\"u\",\"lsn\":24153024,\"seq\":3,\"values\":[\"42\",null],\"unchanged\":[1]}");
    }

    @Test
    void unknownVersionIsAClearErrorNotACrash() {
        byte[] future = "{\"v\":2,\"source\":\"s\",\"whatever\":{\"nested\":[1,2]}}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(future))
                .isInstanceOf(UnsupportedBatchVersionException.class)
                .hasMessageContaining("v=2")
                .hasMessageContaining("reads v=1");
    }

    @Test
    void missingVersionIsRejected() {
        byte[] body = "{\"source\":\"s\",\"origin\":\"cdc\",\"table\":\"a.b\",\"columns\":[],\"rows\":[]}"
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(body))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("'v'");
    }

    @Test
    void fieldsAddedWithinVersionOneAreIgnored() {
        byte[] body = ("{\"v\":1,\"source\":\"s\",\"origin\":\"file\",\"table\":\"a.b\",\"extra\":{\"x\":[1]},"
                        + "\"columns\":[{\"name\":\"k\",\"type\":\"int4\",\"key\":true,\"comment\":\"c\"}],"
                        + "\"rows\":[{\"op\":\"c\",\"lsn\":1,\"seq\":2,\"values\":[\"1\"],\"new\":true}]}")
                .getBytes(StandardCharsets.UTF_8);
        ChangeBatch batch = codec.decode(body);
        assertThat(batch.origin()).isEqualTo(Origin.FILE);
        assertThat(batch.rows())
                .singleElement()
                .satisfies(r -> assertThat(r.version()).isEqualTo(new Version(1, 2)));
    }

    @Test
    void garbageAndWrongShapesAreMalformed() {
        assertThatThrownBy(() -> codec.decode("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedBatchException.class);
        assertThatThrownBy(() -> codec.decode("[1,2]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("JSON object");
        byte[] wrongCount = ("{\"v\":1,\"source\":\"s\",\"origin\":\"cdc\",\"table\":\"a.b\","
                        + "\"columns\":[{\"name\":\"k\",\"type\":\"int4\"}],\"rows\":[{\"op\":\"c\",\"values\":[\"1\",\"2\"]}]}")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(wrongCount))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("2 values but a.b has 1 columns");
        byte[] badOp = ("{\"v\":1,\"source\":\"s\",\"origin\":\"cdc\",\"table\":\"a.b\",\"columns\":[],"
                        + "\"rows\":[{\"op\":\"x\",\"values\":[]}]}")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(badOp))
                .isInstanceOf(MalformedBatchException.class)
                .hasMessageContaining("unknown op 'x'");
    }

    @Test
    void aSchemaChangeCarriesTheColumnsBeforeAndAfter() {
        ChangeBatch event = ChangeBatch.schemaChange(
                "orders-db",
                new TableName("public", "orders"),
                List.of(new Column("id", "bigint", true)),
                List.of(new Column("id", "bigint", true), new Column("note", "text", false)));
        ChangeBatch decoded = codec.decode(codec.encode(event));
        assertThat(decoded).isEqualTo(event);
        assertThat(decoded.isSchemaChange()).isTrue();
        assertThat(new String(codec.encode(event), StandardCharsets.UTF_8))
                .contains("\"v\":1")
                .contains("\"previousColumns\":[{\"name\":\"id\"");
        assertThat(codec.decode(codec.encode(sample())).isSchemaChange()).isFalse();
    }

    @Test
    void versionsOrderByLsnThenSequence() {
        ChangeBatch batch = sample();
        assertThat(batch.firstVersion()).isEqualTo(new Version(24153024L, 1));
        assertThat(batch.lastVersion()).isEqualTo(new Version(24153100L, 1));
        assertThat(new Version(5, 9).isAfter(new Version(5, 8))).isTrue();
        assertThat(new Version(4, 99).isAfter(new Version(5, 1))).isFalse();
    }

    @Test
    void firstAndLastVersionsOfRowsInAnyOrder() {
        Random random = new Random(11);
        long[] lsns = {5, 7, 0x8000_0000_0000_0001L}; // the last one is above Long.MAX_VALUE as an unsigned LSN
        for (int attempt = 0; attempt < 200; attempt++) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(8); i < n; i++) {
                rows.add(new Row(
                        Op.INSERT,
                        lsns[random.nextInt(lsns.length)],
                        random.nextInt(4),
                        null,
                        List.of("1"),
                        List.of()));
            }
            ChangeBatch batch = new ChangeBatch(
                    "s", Origin.CDC, new TableName("public", "t"), List.of(new Column("id", "int8", true)), rows);
            List<Version> versions = rows.stream().map(Row::version).sorted().toList();
            assertThat(batch.firstVersion()).isEqualTo(versions.get(0));
            assertThat(batch.lastVersion()).isEqualTo(versions.get(versions.size() - 1));
        }
    }
}
