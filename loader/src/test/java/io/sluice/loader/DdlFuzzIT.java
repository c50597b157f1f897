package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.common.pg.TablePattern;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Random type strings and names, hostile and ordinary, through the loader's whole DDL path against a real target; then
 * every statement the server ran (pg_stat_statements) is read back: outside its quoted identifiers, a statement holds
 * only what Sluice's own SQL and {@code format_type}'s type names are made of — no semicolon, comment or literal of the
 * batch's could have reached it — and the tables the fuzz did not name are untouched.
 */
class DdlFuzzIT {

    private static final String[] TYPES = {
        "bigint",
        "int8",
        "numeric(12,2)",
        "character varying(20)",
        "varchar(5)[]",
        "timestamp(3) with time zone",
        "double precision",
        "interval",
        "bit varying(7)",
        "text[]",
        "shop.mood",
        "\"Odd Type\"",
        "int8 --",
        "text); DROP TABLE public.victim; --",
        "int4/*",
        "cstring",
        "numeric(1000,2)",
        "int8;",
        "text' || 'x",
        "public.\"x; DROP TABLE public.victim\"",
        "timestamptz\nDROP",
        "integer[3][4]",
        "record",
        "unknown",
        "regclass"
    };
    private static final String NAME_CHARS = "aZ_9 \"';-/*\n\t()$\\é😀.,";
    /** Quoted identifiers, and the one kind of literal Sluice's own statements carry: ::regclass of a quoted name. */
    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"]|\"\")*\"");
    /** What remains of a statement without its quoted identifiers and parameters. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_ (),.\\[\\]=<>*:\\n+-]*");

    private final TestDatabase target = TestPostgres.get().newDatabase("loader_fuzz");

    @Test
    void noTypeOrNameAnyBatchCarriesRunsAsSql() throws Exception {
        try (LoaderFixture fixture = new LoaderFixture(target.jdbcUrl())) {
            fixture.startLoader(); // the state schema, migrated as a loader does
            fixture.stopLoaders();
        }
        target.execute(
                "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
                "CREATE TABLE public.victim (id int PRIMARY KEY)",
                "SELECT pg_stat_statements_reset()");
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(target.jdbcUrl());
        MergeWriter writer = new MergeWriter(
                dataSource,
                new TableRules(Map.of()),
                new TargetTables(dataSource, true),
                new TargetAllowList(List.of(TablePattern.of("fuzz.*"))),
                50_000);
        BadRowIsolation isolation = new BadRowIsolation(writer);
        Random random = new Random(19);
        int refused = 0;
        int written = 0;
        for (int i = 0; i < 300; i++) {
            List<Column> columns = new ArrayList<>(List.of(new Column("id", "bigint", true)));
            for (int c = 0, n = 1 + random.nextInt(3); c < n; c++) {
                columns.add(new Column(name(random), TYPES[random.nextInt(TYPES.length)], false));
            }
            String table = random.nextInt(4) == 0 ? name(random) : "t" + i;
            List<String> values = new ArrayList<>(List.of(Integer.toString(i)));
            columns.stream().skip(1).forEach(c -> values.add(null));
            ChangeBatch batch = new ChangeBatch(
                    "fuzz",
                    Origin.CDC,
                    new TableName("fuzz", table),
                    columns,
                    List.of(new Row(Op.INSERT, 10 + i, 0, Instant.now(), values, List.of())));
            try {
                Sink.Result result = isolation.write(List.of(batch));
                refused += result.refused().size();
                written += result.rowsPerTable().size();
            } catch (SQLException e) {
                throw new AssertionError("a batch's content escaped isolation: " + e.getMessage(), e);
            }
        }
        assertThat(written).as("ordinary batches landed").isGreaterThan(30);
        assertThat(refused).as("hostile batches were refused").isGreaterThan(30);

        List<List<Object>> statements = target.query("SELECT query FROM pg_stat_statements"
                + " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())");
        assertThat(statements).isNotEmpty();
        for (List<Object> row : statements) {
            String query = (String) row.get(0);
            String plain = QUOTED.matcher(query).replaceAll("\"…\"").replaceAll("\\$\\d+", "?");
            if (plain.startsWith("SELECT pg_stat_statements_reset")
                    || plain.startsWith("CREATE EXTENSION")
                    || plain.startsWith("CREATE TABLE public.victim")
                    || plain.matches("(?s)SET (LOCAL )?[a-z_]+ = '[A-Za-z0-9 ]*'")) {
                continue; // the test's own, and the driver's and Sluice's constant session settings
            }
            assertThat(plain.replace("\"…\"", "").replace("?", ""))
                    .as("statement outside its quoted names: %s", query)
                    .matches(PLAIN);
            assertThat(plain).as(query).doesNotContainPattern("(?i)\\bDROP\\s+(TABLE|SCHEMA|ROLE|DATABASE|OWNED)\\b");
        }
        assertThat(target.queryLong("SELECT count(*) FROM public.victim")).isZero();
        assertThat(target.queryLong("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE n.nspname NOT IN ('fuzz', 'sluice', 'public', 'pg_catalog', 'information_schema',"
                        + " 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'"))
                .as("no table outside the allowed schema")
                .isZero();
    }

    private static String name(Random random) {
        StringBuilder name = new StringBuilder();
        for (int i = 0, n = 1 + random.nextInt(random.nextInt(10) == 0 ? 80 : 12); i < n; i++) {
            int at = random.nextInt(NAME_CHARS.length());
            name.append(Character.isSurrogate(NAME_CHARS.charAt(at)) ? 'x' : NAME_CHARS.charAt(at));
        }
        return name.toString();
    }
}
