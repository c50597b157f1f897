package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.Lsn;
import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The getter against real PostgreSQL and RabbitMQ. */
class GetterIT {

    private GetterFixture fixture;
    private TestDatabase source;

    @BeforeEach
    void start() throws Exception {
        fixture = new GetterFixture();
        source = fixture.source;
        source.execute(
                "CREATE TABLE items (id int8 PRIMARY KEY, name text, price numeric(10,2))",
                "CREATE TABLE tags (item int8, tag text, PRIMARY KEY (item, tag))");
        fixture.start();
        fixture.awaitStreaming();
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    @Test
    void aTransactionBecomesOneBatchPerTableVersionedByItsCommit() throws Exception {
        source.execute("BEGIN; INSERT INTO items VALUES (1, 'pen', 1.50), (2, 'ink', null);"
                + " INSERT INTO tags VALUES (1, 'office'); UPDATE items SET price = 2 WHERE id = 1;"
                + " DELETE FROM items WHERE id = 2; UPDATE items SET id = 3 WHERE id = 1; COMMIT;");

        List<ChangeBatch> batches = List.of(nextBatch(), nextBatch());
        ChangeBatch items = batches.stream()
                .filter(b -> b.table().name().equals("items"))
                .findFirst()
                .orElseThrow();
        ChangeBatch tags = batches.stream()
                .filter(b -> b.table().name().equals("tags"))
                .findFirst()
                .orElseThrow();

        assertThat(items.source()).isEqualTo("shop");
        assertThat(items.columns())
                .containsExactly(
                        new Column("id", "bigint", true),
                        new Column("name", "text", false),
                        new Column("price", "numeric(10,2)", false));
        assertThat(items.rows())
                .extracting(Row::op)
                .containsExactly(Op.INSERT, Op.INSERT, Op.UPDATE, Op.DELETE, Op.DELETE, Op.UPDATE);
        assertThat(items.rows().get(0).values()).containsExactly("1", "pen", "1.50");
        assertThat(items.rows().get(1).values()).containsExactly("2", "ink", null);
        // The key change from 1 to 3 deletes the old key, then writes the new one.
        assertThat(items.rows().get(4).values().get(0)).isEqualTo("1");
        assertThat(items.rows().get(5).values()).containsExactly("3", "pen", "2.00");
        assertThat(tags.columns()).extracting(Column::key).containsExactly(true, true);

        List<Row> all =
                Stream.concat(items.rows().stream(), tags.rows().stream()).toList();
        assertThat(all).extracting(Row::lsn).containsOnly(items.rows().get(0).lsn());
        assertThat(all).extracting(Row::seq).doesNotHaveDuplicates();
        assertThat(items.rows()).extracting(Row::seq).isSorted();
        assertThat(items.rows().get(0).ts()).isNotNull();
    }

    @Test
    void theSlotDoesNotAdvancePastChangesTheBrokerHasNotConfirmed() throws Exception {
        // The test removes a binding behind the getter's back; the getter re-declares its topology whenever it
        // reconnects, which it does on the embedded broker after the refused publish, so the binding comes back there.
        io.sluice.testkit.RabbitBroker.get().assumeRabbitMq("a binding that stays removed while the getter publishes");
        source.execute("INSERT INTO items VALUES (10, 'warm-up', 1)");
        nextBatch(); // the getter's connection and topology are up
        fixture.channel.queueUnbind(fixture.names.handlerQueue(), fixture.names.rawExchange(), "#");

        // The insert position inside the unroutable transaction, after its row and before its commit: confirming that
        // transaction would move the slot past it. (A position read before the INSERT is not enough: a heartbeat,
        // every 200 ms here, may land between that read and the INSERT and is rightly confirmed.) The insert position,
        // not pg_current_wal_lsn(): with synchronous_commit off that one lags behind commits.
        long inTransaction = Lsn.parse(
                        (String) source.queryValue("INSERT INTO items VALUES (11, 'unroutable for now', 1)"
                                + " RETURNING pg_current_wal_insert_lsn()::text"))
                .value();
        Thread.sleep(3_000); // many status intervals: a getter that confirms early would have told the slot by now
        assertThat(confirmedFlush()).isLessThan(inTransaction);

        fixture.channel.queueBind(fixture.names.handlerQueue(), fixture.names.rawExchange(), "#");
        // Resent from the slot's confirmed position, which may lie before the warm-up row: duplicates are allowed.
        ChangeBatch resent = nextBatch(Duration.ofSeconds(30));
        while (resent.rows().stream().noneMatch(r -> r.values().get(0).equals("11"))) {
            resent = nextBatch(Duration.ofSeconds(30));
        }
        assertThat(resent.rows()).extracting(r -> r.values().get(0)).contains("11");
        await().atMost(Duration.ofSeconds(10)).until(() -> confirmedFlush() > inTransaction);
    }

    @Test
    void anIdleSourcesSlotKeepsAdvancing() throws Exception {
        // PostgreSQL 17 moves an idle slot on by itself; older servers need the getter's heartbeats (which
        // TransactionAssemblerTest covers). Either way, this is what a user watching the slot must see.
        // Once the getter has confirmed a position, the server keeps the slot there until told otherwise.
        source.execute("INSERT INTO items VALUES (40, 'last captured change', 1)");
        nextBatch();
        // Then WAL written elsewhere in the cluster: nothing for this slot to stream, but the slot must not hold it.
        TestDatabase elsewhere = TestPostgres.get().newDatabase("busy_neighbour");
        elsewhere.execute("CREATE TABLE noise AS SELECT g FROM generate_series(1, 20000) g");
        long written = Lsn.parse((String) elsewhere.queryValue("SELECT pg_current_wal_insert_lsn()::text"))
                .value();
        await().atMost(Duration.ofSeconds(20)).until(() -> confirmedFlush() > written);
        assertThat(fixture.drain()).isEmpty();
    }

    @Test
    void anAddedColumnIsAnnouncedAsASchemaChange() throws Exception {
        source.execute("INSERT INTO items VALUES (50, 'before', 1)");
        nextBatch();
        source.execute("ALTER TABLE items ADD COLUMN color text", "INSERT INTO items VALUES (51, 'after', 2, 'red')");
        List<ChangeBatch> batches = new java.util.ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            batches.addAll(fixture.drain());
            return batches.size() >= 2;
        });
        ChangeBatch event =
                batches.stream().filter(ChangeBatch::isSchemaChange).findFirst().orElseThrow();
        assertThat(event.previousColumns()).extracting(Column::name).containsExactly("id", "name", "price");
        assertThat(event.columns()).extracting(Column::name).containsExactly("id", "name", "price", "color");
        ChangeBatch rows =
                batches.stream().filter(b -> !b.isSchemaChange()).findFirst().orElseThrow();
        assertThat(rows.rows().get(0).values()).containsExactly("51", "after", "2.00", "red");
        assertThat(rows.rows().get(0).version()).isGreaterThan(new io.sluice.common.batch.Version(0, 0));
    }

    @Test
    void aSlotConfiguredToBeDroppedIsGoneAfterStop() {
        fixture.stop();
        try (GetterFixture.Replica trial = fixture.startReplica(
                "--sluice.getter.cdc.sources[0].slot=trial_slot",
                "--sluice.getter.cdc.sources[0].drop-slot-on-stop=true")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> trial.phase() == CaptureStatus.Phase.STREAMING);
            assertThat(slotCount("trial_slot")).isEqualTo(1);
        }
        assertThat(slotCount("trial_slot")).isZero();
        assertThat(slotCount(source.name())).as("another source's slot is kept").isEqualTo(1);
    }

    private long slotCount(String slot) {
        return source.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
    }

    @Test
    void aSourceRestartLosesNoChange() throws Exception {
        EmbeddedPostgres server = TestPostgres.get().embedded();
        org.junit.jupiter.api.Assumptions.assumeTrue(server != null, "needs the embedded server to restart it");
        source.execute("INSERT INTO items SELECT g, 'before restart', 1 FROM generate_series(1, 100) g");
        server.restart();
        source.execute("INSERT INTO items SELECT g, 'after restart', 1 FROM generate_series(101, 200) g");

        java.util.Set<String> keys = new java.util.HashSet<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            fixture.drain()
                    .forEach(b -> b.rows().forEach(r -> keys.add(r.values().get(0))));
            return keys.size() == 200;
        });
        await().atMost(Duration.ofSeconds(30)).until(fixture::slotActive);
    }

    @Test
    void anUnchangedLargeValueIsMarkedOrFilledFromTheFullOldRow() throws Exception {
        source.execute(
                "CREATE TABLE docs (id int8 PRIMARY KEY, title text, body text)",
                "CREATE TABLE docs_full (id int8 PRIMARY KEY, title text, body text)",
                "ALTER TABLE docs_full REPLICA IDENTITY FULL");
        fixture.awaitPublished("public.docs", "public.docs_full"); // tables created while running join the publication
        // About 6 KB of hex: stored out of line (TOAST) even after compression.
        String large = "(SELECT string_agg(md5(g::text || random()::text), '') FROM generate_series(1, 200) g)";
        source.execute(
                "INSERT INTO docs VALUES (1, 'draft', " + large + ")",
                "INSERT INTO docs_full VALUES (1, 'draft', " + large + ")",
                "UPDATE docs SET title = 'final' WHERE id = 1",
                "UPDATE docs_full SET title = 'final' WHERE id = 1");
        String fullBody = (String) source.queryValue("SELECT body FROM docs_full WHERE id = 1");

        List<Row> updates = new java.util.ArrayList<>();
        List<String> tables = new java.util.ArrayList<>();
        java.util.Set<String> fullKeys = new java.util.HashSet<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (ChangeBatch batch : fixture.drain()) {
                if (batch.table().name().equals("docs_full")) {
                    batch.columns().stream().filter(Column::key).forEach(c -> fullKeys.add(c.name()));
                }
                for (Row row : batch.rows()) {
                    if (row.op() == Op.UPDATE) {
                        updates.add(row);
                        tables.add(batch.table().name());
                    }
                }
            }
            return updates.size() == 2;
        });
        Row plain = updates.get(tables.indexOf("docs"));
        assertThat(plain.unchanged()).containsExactly(2);
        assertThat(plain.values().get(2)).isNull();
        Row full = updates.get(tables.indexOf("docs_full"));
        assertThat(fullKeys)
                .as("FULL identity keys by the primary key, not every column")
                .containsExactly("id");
        assertThat(full.unchanged()).isEmpty();
        assertThat(full.values()).containsExactly("1", "final", fullBody);
    }

    @Test
    void aKeyChangeThatLeavesALargeValueUnchangedCarriesTheValueReadFromTheSource() throws Exception {
        source.execute("CREATE TABLE blobs (id int8 PRIMARY KEY, body text, data bytea, tag text)");
        fixture.awaitPublished("public.blobs");
        String large = "(SELECT string_agg(md5(g::text || random()::text), '') FROM generate_series(1, 200) g)";
        source.execute(
                "INSERT INTO blobs VALUES (10, " + large + ", convert_to(" + large + ", 'UTF8'), 'v1')",
                "UPDATE blobs SET id = 110, tag = 'v2' WHERE id = 10"); // body and data unchanged: not sent
        List<String> expected = source.query("SELECT id::text, body, data::text, tag FROM blobs").get(0).stream()
                .map(String::valueOf)
                .toList();
        List<Row> rows = new java.util.ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            fixture.drain().forEach(b -> rows.addAll(b.rows()));
            return rows.stream().anyMatch(r -> r.op() == Op.UPDATE);
        });
        Row update = rows.stream().filter(r -> r.op() == Op.UPDATE).findFirst().orElseThrow();
        assertThat(update.unchanged()).isEmpty();
        assertThat(update.values()).containsExactlyElementsOf(expected);
        assertThat(rows).anySatisfy(r -> assertThat(r.op()).isEqualTo(Op.DELETE));
    }

    @Test
    void aTruncateTravelsAsItsOwnBatchAfterEarlierRows() throws Exception {
        source.execute("BEGIN; INSERT INTO items VALUES (20, 'gone soon', 1); TRUNCATE items; COMMIT;");
        List<Row> rows = new java.util.ArrayList<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            fixture.drain().forEach(b -> rows.addAll(b.rows()));
            return rows.size() >= 2;
        });
        rows.sort(java.util.Comparator.comparing(Row::version));
        assertThat(rows).extracting(Row::op).containsExactly(Op.INSERT, Op.TRUNCATE);
    }

    @Test
    void aSecondGetterStandsByAndTakesOverWhenTheFirstStops() throws Exception {
        try (GetterFixture.Replica second = fixture.startReplica()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> second.phase() == CaptureStatus.Phase.STANDBY);
            fixture.stop();
            await().atMost(Duration.ofSeconds(30)).until(() -> second.phase() == CaptureStatus.Phase.STREAMING);
            source.execute("INSERT INTO items VALUES (30, 'after the takeover', 1)");
            assertThat(nextBatch().rows()).extracting(r -> r.values().get(0)).containsExactly("30");
        }
    }

    private ChangeBatch nextBatch() throws Exception {
        return fixture.nextBatch(Duration.ofSeconds(20));
    }

    private ChangeBatch nextBatch(Duration timeout) throws Exception {
        return fixture.nextBatch(timeout);
    }

    private long confirmedFlush() {
        return fixture.confirmedFlush();
    }
}
