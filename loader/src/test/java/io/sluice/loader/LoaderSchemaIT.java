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
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;

/** Table rules and the target's schema: created, altered, mapped, stopped; append, history and soft-delete modes. */
class LoaderSchemaIT {

    private static final TableName ITEMS = new TableName("shop", "items");
    private static final List<Column> ITEM_COLUMNS = List.of(
            new Column("id", "bigint", true),
            new Column("price", "numeric(10,2)", false),
            new Column("mood", "shop.mood", false));

    private final TestDatabase target = TestPostgres.get().newDatabase("loader_schema");
    private LoaderFixture fixture;

    @BeforeEach
    void startLoader() {
        fixture = new LoaderFixture(target.jdbcUrl());
        fixture.startLoader(
                "--sluice.loader.tables[shop.items].target=dw.shop_items",
                "--sluice.loader.tables[shop.items].columns.price=price_cny",
                "--sluice.loader.tables[public.clicks].mode=append",
                "--sluice.loader.tables[public.prices].mode=history",
                "--sluice.loader.tables[public.users].deletes=soft",
                "--sluice.loader.tables[public.users].truncate=true",
                "--sluice.loader.tables[public.logs].truncate=true",
                "--sluice.loader.tables[public.logs].mode=append",
                "--sluice.loader.tables[public.facts].distribute-by=id");
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void aMissingTargetIsCreatedUnderItsMappedNamesAndANewSourceColumnIsAdded() {
        fixture.send(batch(ITEMS, ITEM_COLUMNS, row(Op.INSERT, 10, "1", "9.90", "happy")));
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> target.queryLong("SELECT count(*) FROM dw.shop_items") == 1);
        assertThat(target.query("SELECT column_name || ' ' || data_type FROM information_schema.columns"
                        + " WHERE table_name = 'shop_items' ORDER BY ordinal_position"))
                .extracting(r -> r.get(0))
                .containsExactly(
                        "id bigint", "price_cny numeric", "mood text", "_sluice_lsn bigint", "_sluice_seq bigint");
        assertThat(target.queryValue("SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a"
                        + " ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                        + " WHERE i.indrelid = 'dw.shop_items'::regclass AND i.indisprimary"))
                .isEqualTo("id");

        List<Column> grown = new ArrayList<>(ITEM_COLUMNS);
        grown.add(new Column("stock", "integer", false));
        fixture.send(ChangeBatch.schemaChange("shop-db", ITEMS, ITEM_COLUMNS, grown));
        fixture.send(batch(ITEMS, grown, row(Op.UPDATE, 20, "1", "8.80", "sad", "5")));
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(target.query("SELECT price_cny::text, mood, stock FROM dw.shop_items"))
                        .containsExactly(List.of("8.80", "sad", 5)));
        // A batch of the old shape, still in flight, still lands.
        fixture.send(batch(ITEMS, ITEM_COLUMNS, row(Op.INSERT, 15, "2", "1.00", "ok")));
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> target.queryLong("SELECT count(*) FROM dw.shop_items") == 2);
    }

    @Test
    void aChangedColumnTypeStopsTheTableWithAReasonAndLeavesItsRowsAlone() {
        fixture.send(batch(ITEMS, ITEM_COLUMNS, row(Op.INSERT, 10, "1", "9.90", "happy")));
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> target.queryLong("SELECT count(*) FROM dw.shop_items") == 1);
        List<Column> changed = List.of(ITEM_COLUMNS.get(0), new Column("price", "text", false), ITEM_COLUMNS.get(2));
        fixture.send(ChangeBatch.schemaChange("shop-db", ITEMS, ITEM_COLUMNS, changed));
        fixture.send(batch(ITEMS, changed, row(Op.UPDATE, 20, "1", "cheap", "sad")));

        // Both the announcement and the batch of the new shape are refused (in either order: two consumers).
        int deadRows = 0;
        for (int i = 0; i < 2; i++) {
            Message dead = fixture.deadLetter(Duration.ofSeconds(20));
            assertThat(dead).isNotNull();
            assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR))
                    .contains("dw.shop_items is stopped", "price_cny changed type from numeric(10,2) to text");
            deadRows += fixture.decode(dead).rows().size();
        }
        assertThat(deadRows).isEqualTo(1);
        assertThat(target.queryValue("SELECT stopped FROM sluice.target_tables WHERE target_table = 'dw.shop_items'"))
                .asString()
                .contains("changed type");
        assertThat(target.query("SELECT price_cny::text FROM dw.shop_items")).containsExactly(List.of("9.90"));
    }

    @Test
    void appendModeKeepsEveryChangeOfAKeylessTableOnceEvenWhenRedelivered() {
        TableName clicks = new TableName("public", "clicks");
        List<Column> columns = List.of(new Column("url", "text", false), new Column("at", "timestamptz", false));
        ChangeBatch batch = batch(
                clicks,
                columns,
                new Row(Op.INSERT, 10, 1, Instant.now(), List.of("/a", "2026-11-30 10:00:00+00"), List.of()),
                new Row(Op.INSERT, 10, 2, Instant.now(), List.of("/a", "2026-11-30 10:00:00+00"), List.of()),
                new Row(Op.DELETE, 11, 1, Instant.now(), List.of("/a", "2026-11-30 10:00:00+00"), List.of()));
        fixture.send(batch);
        fixture.send(batch);
        fixture.awaitQueueEmpty();
        assertThat(target.query("SELECT url, _sluice_op FROM clicks ORDER BY _sluice_lsn, _sluice_seq"))
                .containsExactly(List.of("/a", "c"), List.of("/a", "c"), List.of("/a", "d"));
    }

    @Test
    void aTruncateEmptiesAnAppendedKeylessTableWhenItsRuleAsksAndLateOlderRowsStayOut() {
        TableName logs = new TableName("public", "logs");
        List<Column> columns = List.of(new Column("line", "text", false), new Column("level", "text", false));
        Instant now = Instant.now();
        fixture.send(batch(logs, columns, new Row(Op.INSERT, 10, 1, now, Arrays.asList("before", null), List.of())));
        fixture.awaitQueueEmpty();
        fixture.send(batch(logs, columns, new Row(Op.TRUNCATE, 20, 1, now, List.of(), List.of())));
        fixture.send(batch(logs, columns, new Row(Op.INSERT, 30, 1, now, Arrays.asList("after", null), List.of())));
        fixture.send(
                batch(logs, columns, new Row(Op.INSERT, 15, 1, now, Arrays.asList("late, older", null), List.of())));
        fixture.awaitQueueEmpty();
        assertThat(target.query("SELECT line, level FROM logs")).containsExactly(Arrays.asList("after", null));
    }

    @Test
    void historyModeChainsVersionsArrivingOutOfOrder() {
        TableName prices = new TableName("public", "prices");
        List<Column> columns = List.of(new Column("sku", "text", true), new Column("price", "integer", false));
        Instant t1 = Instant.parse("2026-11-01T00:00:00Z");
        Instant t2 = Instant.parse("2026-11-02T00:00:00Z");
        Instant t3 = Instant.parse("2026-11-03T00:00:00Z");
        fixture.send(batch(prices, columns, new Row(Op.UPDATE, 30, 1, t3, List.of("A", "3"), List.of())));
        fixture.send(batch(prices, columns, new Row(Op.INSERT, 10, 1, t1, List.of("A", "1"), List.of())));
        fixture.send(batch(prices, columns, new Row(Op.UPDATE, 20, 1, t2, List.of("A", "2"), List.of())));
        fixture.send(batch(prices, columns, new Row(Op.UPDATE, 20, 1, t2, List.of("A", "2"), List.of())));
        fixture.awaitQueueEmpty();
        assertThat(target.query(
                        "SELECT price, _sluice_valid_from = ('2026-11-0' || price || 'T00:00:00Z')::timestamptz,"
                                + " _sluice_valid_to::text FROM prices ORDER BY _sluice_lsn"))
                .containsExactly(
                        Arrays.asList(1, true, "2026-11-02 00:00:00+00"),
                        Arrays.asList(2, true, "2026-11-03 00:00:00+00"),
                        Arrays.asList(3, true, null));
    }

    @Test
    void softDeletesKeepTheRowFlaggedAndALateOlderChangeDoesNotReviveIt() {
        TableName users = new TableName("public", "users");
        List<Column> columns = List.of(new Column("id", "bigint", true), new Column("name", "text", false));
        fixture.send(batch(users, columns, new Row(Op.INSERT, 10, 1, Instant.now(), List.of("1", "ann"), List.of())));
        fixture.awaitQueueEmpty();
        fixture.send(
                batch(users, columns, new Row(Op.DELETE, 30, 1, Instant.now(), Arrays.asList("1", null), List.of())));
        fixture.send(batch(users, columns, new Row(Op.UPDATE, 20, 1, Instant.now(), List.of("1", "bob"), List.of())));
        fixture.awaitQueueEmpty();
        // The delete's version wins whichever of the two lands first; the row stays, flagged.
        assertThat(target.query("SELECT _sluice_deleted, _sluice_lsn FROM users"))
                .containsExactly(List.of(true, 30L));

        // Truncate propagates for this table: older rows are flagged, and older changes arriving later stay out.
        fixture.send(batch(users, columns, new Row(Op.INSERT, 40, 1, Instant.now(), List.of("2", "cy"), List.of())));
        fixture.awaitQueueEmpty();
        fixture.send(batch(users, columns, new Row(Op.TRUNCATE, 50, 1, Instant.now(), List.of(), List.of())));
        fixture.send(batch(users, columns, new Row(Op.INSERT, 45, 1, Instant.now(), List.of("3", "dee"), List.of())));
        fixture.send(batch(users, columns, new Row(Op.INSERT, 60, 1, Instant.now(), List.of("4", "eve"), List.of())));
        fixture.awaitQueueEmpty();
        // Only rows newer than the truncation are live; 3 is absent or flagged, depending on whether it landed first.
        assertThat(target.query("SELECT id FROM users WHERE NOT _sluice_deleted"))
                .containsExactly(List.of(4L));
        assertThat(target.query("SELECT id FROM users WHERE _sluice_deleted AND id < 3 ORDER BY id"))
                .containsExactly(List.of(1L), List.of(2L));
    }

    @Test
    void aDistributedTableOnATargetWithoutCitusIsRefusedWithTheReason() {
        TableName facts = new TableName("public", "facts");
        List<Column> columns = List.of(new Column("id", "bigint", true), new Column("n", "integer", false));
        fixture.send(batch(facts, columns, row(Op.INSERT, 10, "1", "2")));
        Message dead = fixture.deadLetter(Duration.ofSeconds(20));
        assertThat(dead).isNotNull();
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR))
                .contains("distribute-by is set for public.facts but the target has no Citus extension");
        assertThat(target.queryLong("SELECT count(*) FROM pg_tables WHERE tablename = 'facts'"))
                .isZero();
    }

    private static ChangeBatch batch(TableName table, List<Column> columns, Row... rows) {
        return new ChangeBatch("shop-db", Origin.CDC, table, columns, List.of(rows));
    }

    private static Row row(Op op, long lsn, String... values) {
        return new Row(op, lsn, 1, Instant.now(), Arrays.asList(values), List.of());
    }
}
