package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loaders under concurrency and failure: two replicas on the same keys, and a target that restarts mid-stream. */
class LoaderResilienceIT {

    /** Each merge ({@code sluice.loader.merge}): MERGE and ON CONFLICT upserts side by side, the portable one taking turns. */
    @ParameterizedTest
    @ValueSource(strings = {"merge", "on-conflict", "portable"})
    void twoLoadersWritingTheSameKeysConcurrentlyConverge(String merge) {
        TestDatabase target = TestPostgres.get().newDatabase("loader_two");
        target.execute(AccountChanges.CREATE_TABLE);
        Random random = new Random(11);
        AccountChanges changes = AccountChanges.generate(random, 3_000, 200);
        try (LoaderFixture fixture = new LoaderFixture(target.jdbcUrl())) {
            for (int replica = 0; replica < 2; replica++) {
                fixture.startLoader(
                        "--sluice.loader.merge=" + merge,
                        "--sluice.loader.consumers=2",
                        "--sluice.loader.max-messages=5");
            }
            changes.deliveries(random).forEach(fixture::send);
            await().atMost(Duration.ofSeconds(120))
                    .untilAsserted(
                            () -> assertThat(AccountChanges.targetRows(target)).isEqualTo(changes.expected()));
            assertThat(target.queryLong("SELECT count(*) FROM sluice.tombstones"))
                    .as("every delete left its version")
                    .isPositive();
        }
    }

    /**
     * A MERGE inserting a key that another transaction inserted and has not committed waits for it, then fails with a
     * unique violation, as two loaders' MERGEs meet: the loader writes the transaction again with ON CONFLICT, and the
     * newer version wins, nothing dead-lettered.
     */
    @Test
    void aMergeThatMeetsAConcurrentInsertOfItsKeyIsWrittenAgainAndTheNewerVersionWins() throws Exception {
        TestDatabase target = TestPostgres.get().newDatabase("loader_merge_race");
        List<Column> columns = List.of(new Column("id", "bigint", true), new Column("name", "text", false));
        try (LoaderFixture fixture = new LoaderFixture(target.jdbcUrl());
                Connection other = target.connect()) {
            fixture.startLoader("--sluice.loader.merge=merge");
            fixture.send(users(columns, new Row(Op.INSERT, 10, 1, Instant.now(), List.of("1", "ann"), List.of())));
            fixture.awaitQueueEmpty();
            other.setAutoCommit(false);
            try (Statement insert = other.createStatement()) {
                insert.execute("INSERT INTO users (id, name, _sluice_lsn, _sluice_seq) VALUES (2, 'older', 15, 1)");
            }
            fixture.send(users(columns, new Row(Op.INSERT, 20, 1, Instant.now(), List.of("2", "bob"), List.of())));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> target.queryLong("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type ="
                                    + " 'Lock' AND query LIKE '%MERGE INTO%'")
                            == 1);
            other.commit();
            fixture.awaitQueueEmpty();
            assertThat(target.query("SELECT id, name, _sluice_lsn FROM users ORDER BY id"))
                    .containsExactly(List.of(1L, "ann", 10L), List.of(2L, "bob", 20L));
        }
    }

    /** MERGE refuses a table with rules, which ON CONFLICT writes: such a table is merged with ON CONFLICT. */
    @Test
    void aTableWithRulesThatMergeRefusesIsWrittenWithOnConflict() {
        TestDatabase target = TestPostgres.get().newDatabase("loader_merge_rules");
        target.execute(
                "CREATE TABLE users (id bigint PRIMARY KEY, name text, _sluice_lsn bigint, _sluice_seq bigint)",
                "CREATE TABLE users_audit (id bigint, at timestamptz DEFAULT now())",
                "CREATE RULE users_deleted AS ON DELETE TO users DO ALSO INSERT INTO users_audit (id) VALUES (OLD.id)");
        List<Column> columns = List.of(new Column("id", "bigint", true), new Column("name", "text", false));
        try (LoaderFixture fixture = new LoaderFixture(target.jdbcUrl())) {
            fixture.startLoader("--sluice.loader.merge=merge");
            for (int lsn = 10; lsn <= 30; lsn += 10) {
                fixture.send(
                        users(columns, new Row(Op.INSERT, lsn, 1, Instant.now(), List.of("1", "v" + lsn), List.of())));
            }
            fixture.awaitQueueEmpty();
            assertThat(target.query("SELECT id, name, _sluice_lsn FROM users"))
                    .containsExactly(List.of(1L, "v30", 30L));
        }
    }

    private static ChangeBatch users(List<Column> columns, Row row) {
        return new ChangeBatch("shop", Origin.CDC, new TableName("public", "users"), columns, List.of(row));
    }

    @Test
    void aTargetRestartMidStreamLosesNothing() throws Exception {
        try (EmbeddedPostgres server = EmbeddedPostgres.start()) {
            TestDatabase target = new TestDatabase("postgres", server.jdbcUrl("postgres"));
            target.execute(AccountChanges.CREATE_TABLE);
            Random random = new Random(13);
            AccountChanges changes = AccountChanges.generate(random, 2_000, 100);
            List<ChangeBatch> deliveries = changes.deliveries(random);
            try (LoaderFixture fixture = new LoaderFixture(target.jdbcUrl())) {
                fixture.startLoader(
                        "--sluice.loader.max-messages=3", "--spring.datasource.hikari.connection-timeout=2000");
                deliveries.subList(0, deliveries.size() / 2).forEach(fixture::send);
                Thread.sleep(300);
                server.stop();
                deliveries.subList(deliveries.size() / 2, deliveries.size()).forEach(fixture::send);
                Thread.sleep(3_000);
                server.restart();
                await().atMost(Duration.ofSeconds(120))
                        .ignoreExceptions()
                        .untilAsserted(() ->
                                assertThat(AccountChanges.targetRows(target)).isEqualTo(changes.expected()));
            }
        }
    }
}
