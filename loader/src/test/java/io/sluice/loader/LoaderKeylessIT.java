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
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;

/**
 * A captured table without a key lands as a multiset: duplicates and NULLs kept, a delete removes one row of its
 * values, and neither redelivery, out-of-order arrival nor a snapshot's resync can add or lose a row.
 */
class LoaderKeylessIT {

    private static final TableName EVENTS = new TableName("public", "events");
    /** json and point have no equality operator: rows are told apart by their text, as the source shows them. */
    private static final List<Column> COLUMNS = List.of(
            new Column("kind", "text", false), new Column("body", "json", false), new Column("at", "point", false));

    private final TestDatabase target = TestPostgres.get().newDatabase("loader_keyless");
    private LoaderFixture fixture;

    @BeforeEach
    void startLoader() {
        fixture = new LoaderFixture(target.jdbcUrl());
        fixture.startLoader("--sluice.loader.tables[public.events].truncate=true");
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void duplicatesAndNullsAreKeptAndADeleteRemovesOneRowEvenWhenRedelivered() {
        ChangeBatch inserts = batch(
                Origin.CDC,
                row(Op.INSERT, 10, 1, "a", "{\"x\": 1}", null),
                row(Op.INSERT, 10, 2, "a", "{\"x\": 1}", null),
                row(Op.INSERT, 10, 3, null, null, "(1,2)"));
        // An update of one of the duplicates, as the getter sends it: the old row's delete, then the new row.
        ChangeBatch update = batch(
                Origin.CDC, row(Op.DELETE, 20, 1, "a", "{\"x\": 1}", null), row(Op.INSERT, 20, 2, "b", "{}", null));
        fixture.send(inserts);
        fixture.send(update);
        fixture.send(inserts);
        fixture.send(update);
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 50, 1, "marker", null, null)));
        awaitRows(
                Arrays.asList("marker", null, null),
                Arrays.asList("a", "{\"x\": 1}", null),
                Arrays.asList(null, null, "(1,2)"),
                Arrays.asList("b", "{}", null));
        assertThat(target.query("SELECT _sluice_lsn, _sluice_seq FROM events WHERE kind = 'a'"))
                .as("the delete removed the older of the two copies")
                .containsExactly(List.of(10L, 2L));
        assertThat(target.queryLong("SELECT count(*) FROM pg_attribute WHERE attrelid = 'events'::regclass"
                        + " AND attname = '_sluice_op'"))
                .as("a copy of the rows, not a change log")
                .isZero();
    }

    @Test
    void aDeleteArrivingBeforeItsRowCancelsItAndARedeliveredInsertStaysOut() {
        fixture.send(batch(Origin.CDC, row(Op.DELETE, 30, 1, "late", "[]", "(0,0)")));
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 40, 1, "late", "[]", "(0,0)")));
        awaitRows(Arrays.asList("late", "[]", "(0,0)"));
        ChangeBatch first = batch(Origin.CDC, row(Op.INSERT, 25, 1, "late", "[]", "(0,0)"));
        fixture.send(first);
        fixture.send(first);
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 50, 1, "marker", null, null)));
        awaitRows(Arrays.asList("late", "[]", "(0,0)"), Arrays.asList("marker", null, null));
        assertThat(target.query("SELECT _sluice_lsn FROM events WHERE kind = 'late'"))
                .as("the row inserted at 40 is the one left")
                .containsExactly(List.of(40L));
    }

    @Test
    void aRowArrivingAfterTwoDeletesIsTakenByTheOneNewerThanIt() {
        fixture.send(batch(Origin.CDC, row(Op.DELETE, 50, 1, "x", null, null)));
        fixture.send(batch(Origin.CDC, row(Op.DELETE, 400, 1, "x", null, null)));
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 100, 1, "x", null, null)));
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 500, 1, "marker", null, null)));
        awaitRows(Arrays.asList("marker", null, null));
        assertThat(target.queryLong("SELECT count(*) FROM sluice.keyless_deletes WHERE matched_lsn IS NULL"))
                .as("the delete at 50 still waits for a row older than itself")
                .isEqualTo(1);
    }

    @Test
    void aLateOlderDeleteTakesBackTheRowANewerDeleteTookBeforeIt() {
        // At the source: x@10; one transaction at 20 deletes it (seq 1) and inserts another x (seq 3); 30 deletes that.
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 10, 1, "x", null, null)));
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 20, 3, "x", null, null)));
        fixture.send(batch(Origin.CDC, row(Op.DELETE, 30, 1, "x", null, null))); // takes x@10, the oldest
        fixture.send(batch(Origin.CDC, row(Op.DELETE, 20, 1, "x", null, null))); // can only take x@10
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 40, 1, "marker", null, null)));
        awaitRows(Arrays.asList("marker", null, null));
        assertThat(target.queryLong("SELECT count(*) FROM sluice.keyless_deletes WHERE matched_lsn IS NULL"))
                .isZero();
    }

    @Test
    void aSnapshotReplacesOlderRowsAndLateOlderChangesStayOut() {
        fixture.send(
                batch(Origin.CDC, row(Op.INSERT, 10, 1, "old", null, null), row(Op.INSERT, 10, 2, "dup", null, null)));
        awaitRows(Arrays.asList("old", null, null), Arrays.asList("dup", null, null));
        // A snapshot at 100: its resync first, then its rows (read twice, as after a redelivery).
        ChangeBatch snapshot = batch(
                Origin.SNAPSHOT,
                row(Op.READ, 100, 1L << 32 | 1, "dup", null, null),
                row(Op.READ, 100, 1L << 32 | 2, "dup", null, null));
        fixture.send(snapshot);
        fixture.send(batch(Origin.SNAPSHOT, new Row(Op.TRUNCATE, 100, 0, Instant.now(), List.of(), List.of())));
        fixture.send(snapshot);
        // Changes older than the snapshot, already in its rows, arriving late.
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 50, 1, "in the snapshot already", null, null)));
        fixture.send(batch(Origin.CDC, row(Op.DELETE, 60, 1, "dup", null, null)));
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 110, 1, "after", null, null)));
        awaitRows(
                Arrays.asList("after", null, null), Arrays.asList("dup", null, null), Arrays.asList("dup", null, null));
    }

    @Test
    void aDeleteThatTookARowASnapshotReplacesTakesTheSnapshotsCopyInstead() {
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 10, 1, "dup", null, null)));
        awaitRows(Arrays.asList("dup", null, null));
        // Streamed after a snapshot at 100 began, it arrives before the snapshot's rows and takes the old copy.
        fixture.send(batch(Origin.CDC, row(Op.DELETE, 150, 1, "dup", null, null)));
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 160, 1, "marker", null, null)));
        awaitRows(Arrays.asList("marker", null, null));
        fixture.send(batch(Origin.SNAPSHOT, new Row(Op.TRUNCATE, 100, 0, Instant.now(), List.of(), List.of())));
        fixture.send(batch(Origin.SNAPSHOT, row(Op.READ, 100, 1L << 32 | 1, "dup", null, null)));
        fixture.send(batch(Origin.CDC, row(Op.INSERT, 170, 1, "after", null, null)));
        awaitRows(Arrays.asList("after", null, null), Arrays.asList("marker", null, null));
    }

    @Test
    void anUpdateWithoutItsOldRowIsRefusedWithTheReason() {
        fixture.send(batch(Origin.CDC, row(Op.UPDATE, 10, 1, "u", null, null)));
        Message dead = fixture.deadLetter(Duration.ofSeconds(30));
        assertThat(dead).isNotNull();
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR))
                .contains("keyless", "updates without their old rows");
    }

    @SafeVarargs
    private void awaitRows(List<Object>... expected) {
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(
                                target.query("SELECT kind, body::text, at::text FROM events ORDER BY kind, body::text"))
                        .containsExactlyInAnyOrder(expected));
    }

    private static ChangeBatch batch(Origin origin, Row... rows) {
        return new ChangeBatch("shop-db", origin, EVENTS, COLUMNS, List.of(rows));
    }

    private static Row row(Op op, long lsn, long seq, String... values) {
        return new Row(op, lsn, seq, Instant.now(), Arrays.asList(values), List.of());
    }
}
