package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;

/**
 * Forged batches on the loader's queue, as anyone who may publish to the broker could send them: SQL in a type or a
 * column name, Sluice's own state tables and system schemas as targets, names PostgreSQL would truncate into one, and
 * batches whose content the target refuses beside good ones. None may run SQL of its own or change Sluice's state; each
 * is dead-lettered with its reason, and the good batches around it land.
 */
class LoaderSecurityIT {

    private static final List<Column> ACCOUNT =
            List.of(new Column("id", "bigint", true), new Column("note", "text", false));

    private final TestDatabase target = TestPostgres.get().newDatabase("loader_security");
    private LoaderFixture fixture;

    @BeforeEach
    void start() {
        target.execute("CREATE TABLE public.victim (id int PRIMARY KEY)", "INSERT INTO public.victim VALUES (1)");
        fixture = new LoaderFixture(target.jdbcUrl());
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void sqlInATypeOrANameNeverRunsAndSluiceStateIsNeverWritten() {
        fixture.startLoader();
        fixture.send(batch("public.accounts", ACCOUNT, 1));
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> target.queryLong("SELECT count(*) FROM accounts") == 1);
        List<List<Object>> stateBefore = sluiceState();

        List<ChangeBatch> forged = List.of(
                // The attack: a comment in the type, and DDL after a newline in the next column's name.
                batch(
                        "public.accounts2",
                        List.of(
                                new Column("id", "int8 --", true),
                                new Column(
                                        "x\"int); DROP TABLE public.victim; CREATE TABLE pwned AS SELECT current_user; --\nint8",
                                        "text",
                                        false)),
                        2),
                batch(
                        "public.accounts3",
                        List.of(
                                new Column("id", "text); DROP TABLE public.victim; --", true),
                                new Column("n", "text", false)),
                        2),
                batch(
                        "public.accounts4",
                        List.of(new Column("id", "bigint", true), new Column("_sluice_lsn", "text", false)),
                        2),
                batch(
                        "public.accounts5",
                        List.of(new Column("id", "bigint", true), new Column("id", "text", false)),
                        2),
                batch("public.nul", List.of(new Column("id", "bigint", true), new Column("a\0b", "text", false)), 2),
                // Two names over 63 bytes that PostgreSQL would truncate to one.
                batch("public." + "t".repeat(63) + "_one", ACCOUNT, 1),
                batch("public." + "t".repeat(63) + "_two", ACCOUNT, 1),
                // Sluice's state, system schemas, and a schema nobody allowed.
                tombstone(),
                batch("sluice.target_tables", ACCOUNT, 1),
                batch("sluice.snapshot_requests", ACCOUNT, 1),
                batch("sluice.files", ACCOUNT, 1),
                batch("pg_catalog.pg_authid", ACCOUNT, 1),
                batch("information_schema.tables", ACCOUNT, 1),
                batch("elsewhere.accounts", ACCOUNT, 1));
        forged.forEach(fixture::send);
        fixture.send(batch("public.accounts", ACCOUNT, 2)); // good, behind the forged ones

        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < forged.size(); i++) {
            Message dead = fixture.deadLetter(Duration.ofSeconds(30));
            assertThat(dead)
                    .as("dead letter %d of %d (so far: %s)", i + 1, forged.size(), reasons)
                    .isNotNull();
            reasons.add(dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR));
        }
        assertThat(reasons)
                .anySatisfy(r -> assertThat(r).contains("'int8 --', which is not a type name"))
                .anySatisfy(r -> assertThat(r).contains("not a type name").contains("DROP TABLE"))
                .anySatisfy(r -> assertThat(r).contains("'_sluice_lsn' is one of the columns Sluice adds"))
                .anySatisfy(r -> assertThat(r).contains("column 'id' appears twice"))
                .anySatisfy(r -> assertThat(r).contains("contains NUL"))
                .anySatisfy(r -> assertThat(r).contains("is 67 bytes long, over PostgreSQL's 63"))
                .anySatisfy(
                        r -> assertThat(r).contains("sluice.tombstones is in sluice, which the loader never writes"))
                .anySatisfy(r -> assertThat(r).contains("pg_catalog.pg_authid is in pg_catalog"))
                .anySatisfy(r -> assertThat(r).contains("information_schema.tables is in information_schema"))
                .anySatisfy(r -> assertThat(r).contains("elsewhere.accounts is not an allowed target"));
        await().atMost(Duration.ofSeconds(30)).until(() -> target.queryLong("SELECT count(*) FROM accounts") == 2);
        assertThat(target.queryLong("SELECT count(*) FROM public.victim")).isEqualTo(1);
        assertThat(target.queryValue("SELECT to_regclass('public.pwned')")).isNull();
        assertThat(target.queryLong(
                        "SELECT count(*) FROM pg_class WHERE relname LIKE 'accounts_' OR relname LIKE 'tttt%'"
                                + " OR relname = 'nul'"))
                .isZero();
        assertThat(sluiceState()).isEqualTo(stateBefore);
    }

    @Test
    void aBatchTheTargetRefusesIsDeadLetteredAloneWithItsSqlStateAndTheRestOfItsGroupCommits() {
        // A table the loader may not write (its role lacks the right), a pseudo-type, and too many columns: each the
        // message's own fault, none retried. The state schema is made by a first loader, as the owner.
        fixture.startLoader();
        fixture.stopLoaders();
        target.execute(
                "CREATE ROLE sluice_security_loader LOGIN PASSWORD 'loader'",
                "GRANT CREATE, USAGE ON SCHEMA public TO sluice_security_loader",
                "GRANT USAGE ON SCHEMA sluice TO sluice_security_loader",
                // Exactly the README's grants for the loader role (Security): the test proves they suffice.
                "GRANT SELECT, INSERT, UPDATE, DELETE ON sluice.tombstones, sluice.target_tables, sluice.toast_gaps,"
                        + " sluice.truncations TO sluice_security_loader",
                "GRANT SELECT ON sluice.flyway_schema_history TO sluice_security_loader",
                "CREATE TABLE public.locked (id bigint PRIMARY KEY, note text, _sluice_lsn int8 NOT NULL DEFAULT 0,"
                        + " _sluice_seq int8 NOT NULL DEFAULT 0)");
        List<ChangeBatch> bad = new ArrayList<>();
        List<Column> wide = new ArrayList<>(List.of(new Column("id", "bigint", true)));
        IntStream.range(0, 1700).forEach(i -> wide.add(new Column("c" + i, "int2", false)));
        for (int i = 0; i < 4; i++) {
            bad.add(batch("public.locked", ACCOUNT, 1));
            bad.add(batch(
                    "public.pseudo" + i,
                    List.of(new Column("id", "bigint", true), new Column("c", "cstring", false)),
                    1));
        }
        bad.add(batch("public.wide0", wide, 1));
        bad.add(batch("public.wide1", wide, 1));
        List<ChangeBatch> all = new ArrayList<>(bad);
        for (int i = 0; i < 40; i++) {
            all.add(batch("public.good", ACCOUNT, i + 1));
        }
        Collections.shuffle(all, new java.util.Random(7));
        all.forEach(fixture::send); // queued before the loader starts: one group holds them all
        fixture.startLoader(
                "--sluice.loader.max-messages=100",
                "--sluice.loader.max-wait=2s",
                "--sluice.loader.consumers=1",
                "--spring.datasource.url=" + target.jdbcUrl().replace("user=postgres", "user=sluice_security_loader")
                        + "&password=loader",
                "--spring.flyway.enabled=false");

        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < bad.size(); i++) {
            Message dead = fixture.deadLetter(Duration.ofSeconds(60));
            assertThat(dead)
                    .as("dead letter %d of %d (so far: %s)", i + 1, bad.size(), reasons)
                    .isNotNull();
            String reason = dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR);
            reasons.add(reason);
            assertThat(reason)
                    .startsWith(
                            "SQLSTATE " + dead.getMessageProperties().getHeader(BatchMessages.HEADER_SQLSTATE) + ":");
        }
        assertThat(reasons).filteredOn(r -> r.startsWith("SQLSTATE 42501")).hasSize(4);
        assertThat(reasons).filteredOn(r -> r.startsWith("SQLSTATE 42P16")).hasSize(4);
        assertThat(reasons).filteredOn(r -> r.startsWith("SQLSTATE 54011")).hasSize(2);
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> target.queryLong("SELECT count(*) FROM public.good") == 40);
        assertThat(fixture.deadLetter(Duration.ofSeconds(2))).isNull();
    }

    private List<List<Object>> sluiceState() {
        return target.query("SELECT 'tombstones', count(*)::text FROM sluice.tombstones"
                + " UNION ALL SELECT 'target_tables', string_agg(target_table || coalesce(stopped, ''), ',' ORDER BY 1)"
                + " FROM sluice.target_tables"
                + " UNION ALL SELECT 'snapshot_requests', count(*)::text FROM sluice.snapshot_requests"
                + " UNION ALL SELECT 'files', count(*)::text FROM sluice.files");
    }

    private static ChangeBatch tombstone() {
        return new ChangeBatch(
                "shop",
                Origin.CDC,
                TableName.parse("sluice.tombstones"),
                List.of(new Column("target_table", "text", true), new Column("lsn", "bigint", false)),
                List.of(new Row(
                        Op.INSERT, 1, 0, Instant.now(), List.of("public.accounts", "9223372036854775000"), List.of())));
    }

    private static ChangeBatch batch(String table, List<Column> columns, long id) {
        List<String> values = new ArrayList<>();
        values.add(Long.toString(id));
        while (values.size() < columns.size()) {
            values.add(columns.get(values.size()).type().equals("int2") ? "1" : "note " + id);
        }
        return new ChangeBatch(
                "shop",
                Origin.CDC,
                TableName.parse(table),
                columns,
                List.of(new Row(Op.INSERT, 100 + id, 0, Instant.now(), values, List.of())));
    }
}
