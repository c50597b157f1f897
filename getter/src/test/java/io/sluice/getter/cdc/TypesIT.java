package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every value arrives as PostgreSQL's own text form, byte for byte, whether read by the snapshot or streamed. */
class TypesIT {

    private static final String COLUMNS = "id int8 PRIMARY KEY, i2 smallint, i4 int, n numeric(30,8), r real,"
            + " d double precision, b boolean, t text, vc varchar(12), ch char(4), by bytea, dt date, tm time,"
            + " tmz timetz, ts timestamp, tstz timestamptz, iv interval, u uuid, js json, jb jsonb, ip inet,"
            + " cidr_ cidr, mac macaddr, ia int[], ta text[], mood mood, pos positive, pt point, bits bit(4),"
            + " vb varbit, rng int4range, tsv tsvector, x xml";
    private static final String ROW_A = "(%d, -32768, 2147483647, 12345678901234567890.12345678, 'NaN', '-Infinity',"
            + " true, E'tab\\there\\nnewline \\\\ back \"q\" ''s'' 中文 \\u00e9', 'varchar', 'ab', '\\x00ff10',"
            + " '2026-02-28', '23:59:59.999999', '10:00+05:30', '2026-11-30 10:00:00.123456',"
            + " '2026-11-30 10:00:00.123456+08', '1 year 2 mons 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
            + " '{\"a\": [1, 2.50, null]}', '{\"b\": {\"c\": \"d\"}, \"a\": 1}', '192.168.0.1/24', '10.0.0.0/8',"
            + " '08:00:2b:01:02:03', '{1,NULL,3}', '{\"with space\",\"quote\\\"d\",NULL,\"\"}', 'happy', 42,"
            + " '(1.5,-2)', B'1010', B'10110', '[1,10)', 'a fat cat', '<x a=\"1\">text</x>')";
    private static final String ROW_NULLS = "(%d" + ", NULL".repeat(32) + ")";

    private GetterFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new GetterFixture();
        fixture.source.execute(
                "CREATE TYPE mood AS ENUM ('sad', 'happy')",
                "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
                "CREATE TABLE every_type (" + COLUMNS + ")",
                String.format("INSERT INTO every_type VALUES " + ROW_A, 1),
                String.format("INSERT INTO every_type VALUES " + ROW_NULLS, 2));
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void snapshotAndStreamCarryTheSameTextAsPostgres() throws Exception {
        // pgjdbc gives every session the JVM's time zone; the getter must not let it shape timestamptz text.
        TimeZone jvmZone = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("Asia/Shanghai"));
        try {
            fixture.start();
        } finally {
            TimeZone.setDefault(jvmZone);
        }
        fixture.awaitStreaming();
        fixture.source.execute(
                String.format("INSERT INTO every_type VALUES " + ROW_A, 3),
                String.format("INSERT INTO every_type VALUES " + ROW_NULLS, 4),
                "UPDATE every_type SET t = t || ' updated', tstz = tstz + interval '1 microsecond' WHERE id = 1");

        Map<String, Row> snapshot = new HashMap<>();
        List<Row> streamed = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (ChangeBatch batch : fixture.drain()) {
                if (batch.origin() == Origin.SNAPSHOT) {
                    batch.rows().forEach(r -> snapshot.put(r.values().get(0), r));
                } else {
                    streamed.addAll(batch.rows());
                }
            }
            return snapshot.size() == 2 && streamed.size() == 3;
        });

        // Snapshot rows 1 and 2 were read before the update; rows 3, 4 and the update are streamed. Batches may
        // arrive in any order (the merge is versioned), so the streamed rows are put in commit order.
        streamed.sort(java.util.Comparator.comparing(Row::version));
        Map<String, List<String>> expected = textOf("SELECT * FROM every_type WHERE id IN (2, 3, 4)");
        assertThat(snapshot.get("2").values()).isEqualTo(expected.get("2"));
        assertThat(streamed.get(0).values()).isEqualTo(expected.get("3"));
        assertThat(streamed.get(1).values()).isEqualTo(expected.get("4"));
        assertThat(streamed.get(2).values())
                .isEqualTo(textOf("SELECT * FROM every_type WHERE id = 1").get("1"));
        // And row 1 as the snapshot read it is the original row, with the same text as the streamed row 3 (same
        // values).
        List<String> original = new ArrayList<>(snapshot.get("1").values());
        original.set(0, "3");
        assertThat(original).isEqualTo(expected.get("3"));
    }

    /** Each column's text output in a UTC session, keyed by id. */
    private Map<String, List<String>> textOf(String sql) throws Exception {
        Map<String, List<String>> rows = new HashMap<>();
        try (Connection c = fixture.source.connect();
                Statement s = c.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
            try (ResultSet rs = s.executeQuery(sql)) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    String[] values = new String[columns];
                    for (int i = 0; i < columns; i++) {
                        values[i] = rs.getString(i + 1);
                    }
                    rows.put(values[0], Arrays.asList(values));
                }
            }
        }
        return rows;
    }
}
