package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Unchanged TOAST values (large values an update did not send): the target keeps or later gets the right value, in
 * order and out of order, and a redelivered older change never overwrites it.
 */
class LoaderToastIT {

    private static final TableName DOCS = new TableName("public", "docs");
    private static final List<Column> COLUMNS = List.of(
            new Column("id", "bigint", true), new Column("n", "integer", false), new Column("body", "text", false));
    private static final String LARGE = "x".repeat(10_000);

    final TestDatabase target = TestPostgres.get().newDatabase("loader_toast");
    LoaderFixture fixture;

    @BeforeEach
    void startLoader() {
        fixture = new LoaderFixture(target.jdbcUrl());
        fixture.startLoader(loaderArgs());
    }

    /** Arguments a variant of these tests starts the loader with (the portable merge's, say). */
    String[] loaderArgs() {
        return new String[0];
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void inOrderTheTargetsValueIsKeptAndALateMiddleChangeFillsIt() {
        send(insert(7, 10, 1, LARGE));
        awaitRow(7, "1", LARGE);
        send(unsentBody(7, 20, 2));
        awaitRow(7, "2", LARGE);
        // The change at 15 arrives late: the body it set is what the change at 20 left unchanged.
        send(insert(7, 15, 9, "middle"));
        awaitRow(7, "2", "middle");
        // A redelivered, older copy of the insert does not bring the older body back.
        send(insert(7, 10, 1, LARGE));
        fixture.awaitQueueEmpty();
        assertThat(row(7)).containsExactly("2", "middle");
    }

    @Test
    void anUpdateThatOvertakesItsInsertGetsTheLargeValueWhenTheInsertArrives() {
        send(unsentBody(8, 30, 3));
        awaitRow(8, "3", null);
        // Until the insert arrives the gap is open, and says so: a gauge and the loader's health.
        OpenToastGaps gaps = fixture.loader().getBean(OpenToastGaps.class);
        assertThat(gaps.count()).isEqualTo(1);
        assertThat(gaps.health().getDetails()).containsEntry("open", 1L);
        send(insert(8, 10, 1, LARGE));
        awaitRow(8, "3", LARGE);
        // A newer full change closes the gap: nothing older can touch the row afterwards.
        send(insert(8, 40, 4, "final"));
        awaitRow(8, "4", "final");
        send(insert(8, 5, 0, "ancient"));
        fixture.awaitQueueEmpty();
        assertThat(row(8)).containsExactly("4", "final");
        assertThat(target.queryLong("SELECT count(*) FROM sluice.toast_gaps WHERE key = '{8}'"))
                .isZero();
        assertThat(gaps.count()).isZero();
    }

    @Test
    void aChainOfUpdatesWithoutTheValueArrivingNewestFirstEndsWithTheInsertsValue() {
        send(unsentBody(9, 30, 3));
        send(unsentBody(9, 20, 2));
        awaitRow(9, "3", null);
        send(insert(9, 10, 1, LARGE));
        awaitRow(9, "3", LARGE);
    }

    @Test
    void oneBatchHoldingTheInsertAndTheUpdateWritesTheLargeValue() {
        send(new ChangeBatch(
                "docs-db", Origin.CDC, DOCS, COLUMNS, List.of(unsentBody(6, 20, 2), insert(6, 10, 1, LARGE))));
        awaitRow(6, "2", LARGE);
    }

    private void send(Row row) {
        send(new ChangeBatch("docs-db", Origin.CDC, DOCS, COLUMNS, List.of(row)));
    }

    private void send(ChangeBatch batch) {
        fixture.send(batch);
    }

    private static Row insert(long id, long lsn, int n, String body) {
        return new Row(
                Op.INSERT,
                lsn,
                1,
                Instant.now(),
                Arrays.asList(Long.toString(id), Integer.toString(n), body),
                List.of());
    }

    private static Row unsentBody(long id, long lsn, int n) {
        return new Row(
                Op.UPDATE,
                lsn,
                1,
                Instant.now(),
                Arrays.asList(Long.toString(id), Integer.toString(n), null),
                List.of(2));
    }

    private void awaitRow(long id, String n, String body) {
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(row(id)).containsExactly(n, body));
    }

    private List<String> row(long id) {
        if (target.queryLong("SELECT count(*) FROM pg_tables WHERE tablename = 'docs'") == 0) {
            return List.of();
        }
        List<List<Object>> rows = target.query("SELECT n::text, body FROM docs WHERE id = " + id);
        return rows.isEmpty()
                ? List.of()
                : Arrays.asList(
                        (String) rows.get(0).get(0), (String) rows.get(0).get(1));
    }
}
