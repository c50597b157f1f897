package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.Strictness;
import io.sluice.testkit.TableDiff;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One table with a column of every PostgreSQL type family, each holding hostile values (extremes, NaN and infinities,
 * BC dates, quoting, NULL array elements, duplicate JSON keys, a large TOASTed value), written by the snapshot, by
 * streaming, updated (a key change among them that leaves the large values unsent) and deleted, with getter, handler
 * and loader each in its own JVM. Every column's {@code ::text} in the warehouse must equal the source's — on the
 * embedded PostgreSQL 17 and on a PostgreSQL 15 source from the machine's binaries.
 */
class TypeMatrixIT {

    /** Column → type; {@code id} is the key. */
    private static final Map<String, String> COLUMNS = new LinkedHashMap<>();

    static {
        COLUMNS.put("id", "int8 PRIMARY KEY");
        COLUMNS.put("i2", "smallint");
        COLUMNS.put("i4", "integer");
        COLUMNS.put("i8", "bigint");
        COLUMNS.put("num", "numeric");
        COLUMNS.put("num_p", "numeric(12,3)");
        COLUMNS.put("f4", "real");
        COLUMNS.put("f8", "double precision");
        COLUMNS.put("cash", "money");
        COLUMNS.put("txt", "text");
        COLUMNS.put("vc", "varchar(12)");
        COLUMNS.put("ch", "char(5)");
        COLUMNS.put("nm", "name");
        COLUMNS.put("big", "text");
        COLUMNS.put("blob", "bytea");
        COLUMNS.put("flag", "boolean");
        COLUMNS.put("d", "date");
        COLUMNS.put("t", "time(3)");
        COLUMNS.put("ttz", "timetz");
        COLUMNS.put("ts", "timestamp");
        COLUMNS.put("tstz", "timestamptz");
        COLUMNS.put("iv", "interval");
        COLUMNS.put("u", "uuid");
        COLUMNS.put("ip", "inet");
        COLUMNS.put("net", "cidr");
        COLUMNS.put("mac", "macaddr");
        COLUMNS.put("mac8", "macaddr8");
        COLUMNS.put("b3", "bit(3)");
        COLUMNS.put("vb", "bit varying(8)");
        COLUMNS.put("js", "json");
        COLUMNS.put("jsb", "jsonb");
        COLUMNS.put("x", "xml");
        COLUMNS.put("ints", "integer[]");
        COLUMNS.put("grid", "integer[][]");
        COLUMNS.put("texts", "text[]");
        COLUMNS.put("r", "int4range");
        COLUMNS.put("tr", "tstzrange");
        COLUMNS.put("mr", "int4multirange");
        COLUMNS.put("tsv", "tsvector");
        COLUMNS.put("tsq", "tsquery");
        COLUMNS.put("pt", "point");
        COLUMNS.put("ln", "line");
        COLUMNS.put("seg", "lseg");
        COLUMNS.put("bx", "box");
        COLUMNS.put("pth", "path");
        COLUMNS.put("poly", "polygon");
        COLUMNS.put("circ", "circle");
        COLUMNS.put("o", "oid");
        COLUMNS.put("feeling", "mood");
        COLUMNS.put("pr", "pair");
        COLUMNS.put("pos", "positive");
        COLUMNS.put("feelings", "mood[]");
    }

    /** Two rows of hostile values per column (the second mostly the other extreme); {@code null} is SQL NULL. */
    private static final Map<String, String[]> VALUES = new LinkedHashMap<>();

    static {
        v("i2", "-32768", "32767");
        v("i4", "-2147483648", "2147483647");
        v("i8", "-9223372036854775808", "9223372036854775807");
        v("num", "NaN", "-123456789012345678901234567890.000000000000000000001");
        v("num_p", "1.500", "-999999999.999");
        v("f4", "NaN", "-0");
        v("f8", "-Infinity", "4.9e-324");
        v("cash", "-92233720368547758.08", "0.01");
        v("txt", "tab\there\nnewline \\N back\\slash \"quote\" 'single' \u00e9\u4e2d\ud83d\ude00", "");
        v("vc", "twelve chars", "\\N");
        v("ch", "a", "abcde");
        v("nm", "a name", "x");
        v("big", null, null); // filled with a TOASTed value
        v("blob", "\\x00ff10", "\\x");
        v("flag", "true", "false");
        v("d", "4713-01-01 BC", "infinity");
        v("t", "23:59:59.999", "00:00:00");
        v("ttz", "24:00:00+14", "00:00:00-12:59");
        v("ts", "294276-12-31 23:59:59.999999", "-infinity");
        v("tstz", "2026-12-01 12:34:56.123456+05:30", "infinity");
        v("iv", "-178000000 years -1 months 3 days -00:00:00.000001", "1 year 2 mons 3 days 04:05:06.789");
        v("u", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000");
        v("ip", "::ffff:1.2.3.4/128", "10.1.2.3/8");
        v("net", "2001:db8::/32", "192.168.0.0/16");
        v("mac", "08:00:2b:01:02:03", "ff:ff:ff:ff:ff:ff");
        v("mac8", "08:00:2b:01:02:03:04:05", "00:00:00:00:00:00:00:00");
        v("b3", "101", "000");
        v("vb", "1", "");
        v("js", "{\"b\": 1,  \"a\": [1, 2.50, {\"c\": null}], \"a\": \"dup\"}", "[]");
        v("jsb", "{\"b\": 1, \"a\": [1, 2.50, {\"c\": null}]}", "\"a \\u00e9 string\"");
        v("x", "<doc a=\"1\">text &amp; more</doc>", "plain text");
        v("ints", "{1,NULL,3}", "{}");
        v("grid", "{{1,2},{3,4}}", "{{NULL}}");
        v("texts", "{\"a,b\",\"c\\\"d\",NULL,\"NULL\",\"\"}", "{\" lead\",trail}");
        v("r", "[1,5)", "empty");
        v("tr", "[\"2026-01-01 00:00:00+00\",infinity)", "(,)");
        v("mr", "{[1,2),[5,6)}", "{}");
        v("tsv", "'a':1A 'fat':2B,4C 'cat':5", "");
        v("tsq", "'fat' & ( 'rat' | !'cat' )", "'a' <-> 'b'");
        v("pt", "(1.5,-2)", "(0,0)");
        v("ln", "{1,-1,0}", "{0,1,-2}");
        v("seg", "[(0,0),(1,1)]", "[(-1,-1),(1e+300,1)]");
        v("bx", "(1,1),(0,0)", "(2,3),(-1,-1)");
        v("pth", "[(0,0),(1,1),(2,0)]", "((0,0),(1,1))");
        v("poly", "((0,0),(1,1),(1,0))", "((0,0))");
        v("circ", "<(0,0),1.5>", "<(1,2),0>");
        v("o", "4294967295", "0");
        v("feeling", "happy", "sad");
        v("pr", "(1,\"a, b\")", "(,)");
        v("pos", "1", "2147483647");
        v("feelings", "{happy,NULL,sad}", "{}");
    }

    private static void v(String column, String first, String second) {
        VALUES.put(column, new String[] {first, second});
    }

    /** Copied by the build (e2e/pom.xml) from Maven Central. */
    private static final Path POSTGRES_18 = Path.of("target", "postgres-18", "postgres-binaries-18.1.0.jar");

    /** Stored generated columns: one of other values, one of the key (which an update below changes). */
    private static final Map<String, String> GENERATED = Map.of(
            "gen_txt", "text GENERATED ALWAYS AS (upper(txt) || '!') STORED",
            "gen_id", "bigint GENERATED ALWAYS AS (id * 2) STORED");

    private final List<ServiceProcess> services = new ArrayList<>();
    private final String prefix = RabbitBroker.uniquePrefix("types");
    private EmbeddedPostgres installed;

    @AfterEach
    void stop() {
        services.reversed().forEach(ServiceProcess::close);
        Topology names = new Topology(prefix, List.of("warehouse"));
        RabbitBroker.get().delete(names.queues(), names.exchanges());
        if (installed != null) {
            installed.close();
        }
    }

    @Test
    void everyTypeFamilyLandsByteForByteFromPostgres17() throws Exception {
        matrix(TestPostgres.get().newDatabase("types_source"));
    }

    @Test
    void everyTypeFamilyLandsByteForByteFromPostgres15() throws Exception {
        installed = EmbeddedPostgres.startInstalled(15);
        Strictness.require(installed != null, "PostgreSQL 15", "apt-get install postgresql-15");
        try (Connection admin = installed.connect("postgres");
                Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE types_source");
        }
        matrix(new TestDatabase("types_source", installed.jdbcUrl("types_source")));
    }

    @Test
    void everyTypeFamilyAndGeneratedColumnsLandByteForByteFromPostgres18() throws Exception {
        installed = EmbeddedPostgres.startFromJar(POSTGRES_18);
        Strictness.require(installed != null, "PostgreSQL 18 binaries", "./mvnw verify -pl e2e (copies them)");
        try (Connection admin = installed.connect("postgres");
                Statement s = admin.createStatement()) {
            s.execute("CREATE DATABASE types_source");
        }
        matrix(new TestDatabase("types_source", installed.jdbcUrl("types_source")), GENERATED);
    }

    private void matrix(TestDatabase source) throws Exception {
        matrix(source, Map.of());
    }

    /** @param generated generated columns to add (name → definition), for a source that publishes them */
    private void matrix(TestDatabase source, Map<String, String> generated) throws Exception {
        TestDatabase target = TestPostgres.get().newDatabase("types_target");
        Map<String, String> all = new LinkedHashMap<>(COLUMNS);
        all.putAll(generated);
        String columns = all.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\" " + e.getValue())
                .collect(Collectors.joining(", "));
        source.execute(
                "CREATE TYPE mood AS ENUM ('happy', 'sad')",
                "CREATE TYPE pair AS (a int, b text)",
                "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
                "CREATE TABLE every_type (" + columns + ")",
                "ALTER TABLE every_type ALTER COLUMN big SET STORAGE EXTERNAL",
                "ALTER TABLE every_type ALTER COLUMN blob SET STORAGE EXTERNAL");
        insert(source, 1, 6); // read by the snapshot
        services.add(ServiceProcess.start(
                "loader",
                "384m",
                List.of(RabbitBroker.get().serviceArgs(prefix, "--spring.datasource.url=" + target.jdbcUrl()))));
        services.add(ServiceProcess.start(
                "handler", "384m", List.of(RabbitBroker.get().serviceArgs(prefix))));
        services.add(ServiceProcess.start("getter", "384m", List.of(GetterArgs.of(prefix, source, target))));
        await().atMost(Duration.ofSeconds(90))
                .until(() -> source.queryLong("SELECT count(*) FROM pg_replication_slots WHERE active") == 1);
        insert(source, 7, 12); // streamed
        source.execute(
                "UPDATE every_type SET txt = txt || ' updated', ints = ints || 9 WHERE id IN (1, 7)",
                // The key changes and the TOASTed values stay: pgoutput does not send them.
                "UPDATE every_type SET id = id + 100, flag = NOT flag WHERE id IN (2, 8)",
                "UPDATE every_type SET pr = NULL, feeling = NULL, js = '{\"x\":  1}' WHERE id IN (3, 9)",
                "DELETE FROM every_type WHERE id IN (4, 10)");
        String select = all.keySet().stream().map(c -> "\"" + c + "\"::text").collect(Collectors.joining(", "));
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions()
                .untilAsserted(
                        () -> assertThat(TableDiff.differences(source, "every_type", target, "every_type", select, 20))
                                .isEmpty());
        assertThat(target.queryLong("SELECT count(*) FROM every_type")).isEqualTo(10);
        assertThat(target.queryLong("SELECT count(*) FROM sluice.toast_gaps WHERE filled_lsn IS NULL"))
                .as("no gap is left open")
                .isZero();
    }

    /** Rows {@code from..to}: odd ones take each column's first value, even ones its second. */
    private static void insert(TestDatabase source, int from, int to) {
        List<String> statements = new ArrayList<>();
        for (int id = from; id <= to; id++) {
            List<String> values = new ArrayList<>(List.of(Integer.toString(id)));
            for (Map.Entry<String, String[]> column : VALUES.entrySet()) {
                String value = column.getValue()[id % 2 == 1 ? 0 : 1];
                if (column.getKey().equals("big")) {
                    values.add("(SELECT string_agg(md5(g::text || " + id + "), '') FROM generate_series(1, 300) g)");
                } else if (column.getKey().equals("blob") && id % 3 == 0) {
                    values.add("decode(repeat(md5('" + id + "'), 400), 'hex')");
                } else if (id % 5 == 0 && !column.getKey().equals("pos")) {
                    values.add("NULL"); // every fifth row holds NULLs
                } else {
                    values.add("'" + value.replace("'", "''") + "'::"
                            + COLUMNS.get(column.getKey()).replace(" PRIMARY KEY", ""));
                }
            }
            statements.add("INSERT INTO every_type VALUES (" + String.join(", ", values) + ")");
        }
        source.execute(statements.toArray(String[]::new));
    }
}
