package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What is captured, as a user sets it up: by default a keyless table is left out (so the application's own UPDATE and
 * DELETE keep working) and reported; include and exclude patterns pick tables, also ones created while running; an
 * excluded column's values never leave the source, not even in the WAL stream the getter receives.
 */
class CaptureSetIT {

    private GetterFixture fixture;

    @BeforeEach
    void fixture() throws Exception {
        fixture = new GetterFixture();
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void byDefaultAKeylessTableIsSkippedAndTheApplicationCanStillUpdateAndDeleteIt() throws Exception {
        fixture.source.execute(
                "CREATE TABLE accounts (id int8 PRIMARY KEY, balance int)",
                // pgbench's own history table: no key, no replica identity.
                "CREATE TABLE history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22))",
                "INSERT INTO history VALUES (1, 1, 1, 5, now(), NULL)");
        fixture.start();
        fixture.awaitStreaming();
        // The application's writes: the keyless table takes updates and deletes as before.
        fixture.source.execute(
                "UPDATE history SET delta = delta + 1",
                "DELETE FROM history WHERE aid = 1",
                "INSERT INTO accounts VALUES (1, 100)",
                "UPDATE accounts SET balance = 90 WHERE id = 1");
        List<Row> rows = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (ChangeBatch batch : fixture.drain()) {
                assertThat(batch.table().name()).isEqualTo("accounts");
                rows.addAll(batch.rows());
            }
            return rows.size() >= 2;
        });
        assertThat(fixture.source.query("SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                        + " WHERE pubname = 'sluice'"))
                .containsExactly(List.of("public.accounts"));
        String health = fixture.probe().get("/actuator/health", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION);
        assertThat(health).contains("skippedTables", "public.history", "no primary key or replica identity");
        assertThat(fixture.probe().metrics())
                .contains("sluice_capture_skipped_tables{application=\"sluice-getter\",source=\"shop\"} 1.0");
    }

    @Test
    void patternsPickTablesIncludingOnesCreatedWhileRunningAndNeverSluicesOwn() throws Exception {
        fixture.source.execute(
                "CREATE SCHEMA shop",
                "CREATE SCHEMA sluice",
                "CREATE TABLE sluice.notes (id int8 PRIMARY KEY)",
                "CREATE TABLE shop.orders (id int8 PRIMARY KEY, note text)",
                "CREATE TABLE shop.audit_orders (id int8 PRIMARY KEY)",
                "CREATE TABLE public.other (id int8 PRIMARY KEY)");
        fixture.start(
                "--sluice.getter.cdc.sources[0].tables=shop.*,sluice.*",
                "--sluice.getter.cdc.sources[0].exclude=shop.audit_*");
        fixture.awaitStreaming();
        fixture.source.execute(
                "INSERT INTO shop.orders VALUES (1, 'before')",
                "INSERT INTO shop.audit_orders VALUES (1)",
                "INSERT INTO public.other VALUES (1)",
                "INSERT INTO sluice.notes VALUES (1)",
                // Created while running: it matches, so it is published and its earlier rows snapshotted.
                "CREATE TABLE shop.items (id int8 PRIMARY KEY, name text)",
                "INSERT INTO shop.items VALUES (1, 'inserted before it was published')",
                "CREATE TABLE shop.audit_items (id int8 PRIMARY KEY)");
        Map<String, List<String>> seen = new java.util.TreeMap<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (ChangeBatch batch : fixture.drain()) {
                batch.rows()
                        .forEach(r -> seen.computeIfAbsent(batch.table().toString(), k -> new ArrayList<>())
                                .add(r.values().get(r.values().size() - 1)));
            }
            return seen.containsKey("shop.items");
        });
        fixture.source.execute("INSERT INTO shop.items VALUES (2, 'streamed')");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (ChangeBatch batch : fixture.drain()) {
                batch.rows()
                        .forEach(r -> seen.computeIfAbsent(batch.table().toString(), k -> new ArrayList<>())
                                .add(r.values().get(r.values().size() - 1)));
            }
            return seen.get("shop.items").contains("streamed");
        });
        assertThat(seen.keySet()).containsExactly("shop.items", "shop.orders");
        assertThat(seen.get("shop.items")).contains("inserted before it was published", "streamed");
        assertThat(fixture.source.query("SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                        + " WHERE pubname = 'sluice' ORDER BY 1"))
                .containsExactly(List.of("shop.items"), List.of("shop.orders"));
    }

    @Test
    void anExcludedColumnNeverLeavesTheSourceNotEvenInTheWalStream() throws Exception {
        fixture.source.execute(
                "CREATE TABLE users (id int8 PRIMARY KEY, email text, password_hash text)",
                "INSERT INTO users VALUES (1, 'ann@example.com', 'hash-from-before-the-snapshot')");
        fixture.start("--sluice.getter.cdc.sources[0].exclude-columns[public.users]=password_hash");
        fixture.awaitStreaming();
        // A second slot on the same publication sees exactly what the getter's stream carries.
        fixture.source.execute(
                "SELECT pg_create_logical_replication_slot('peek_" + fixture.source.name() + "', 'pgoutput')",
                "INSERT INTO users VALUES (2, 'bob@example.com', 'secret-hash-in-the-wal')",
                "UPDATE users SET email = 'ann@example.org', password_hash = 'new-secret-hash' WHERE id = 1");
        List<ChangeBatch> batches = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            batches.addAll(fixture.drain());
            return batches.stream().mapToLong(b -> b.rows().size()).sum() >= 3; // snapshot row, insert, update
        });
        for (ChangeBatch batch : batches) {
            assertThat(batch.columns()).extracting(Column::name).containsExactly("id", "email");
            assertThat(batch.rows().toString()).doesNotContain("hash");
        }
        String wal = (String) fixture.source.queryValue("SELECT string_agg(encode(data, 'escape'), '')"
                + " FROM pg_logical_slot_peek_binary_changes('peek_" + fixture.source.name() + "', NULL, NULL,"
                + " 'proto_version', '1', 'publication_names', 'sluice')");
        assertThat(wal)
                .contains("bob@example.com")
                .doesNotContain("secret-hash")
                .doesNotContain("new-secret-hash");
        fixture.source.execute("SELECT pg_drop_replication_slot('peek_" + fixture.source.name() + "')");
        assertThat(new TableName("public", "users")).isNotNull();
    }

    @Test
    void keylessFullGivesTheTableReplicaIdentityFullAndKeylessFailRefusesToStart() throws Exception {
        fixture.source.execute("CREATE TABLE events (at timestamptz, what text)");
        try (GetterFixture.Replica failing = fixture.startReplica("--sluice.getter.cdc.sources[0].keyless=fail")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> failing.phase() == CaptureStatus.Phase.FAILING);
            assertThat(failing.lastError()).contains("keyless: fail", "public.events");
        }
        fixture.start("--sluice.getter.cdc.sources[0].keyless=full");
        fixture.awaitStreaming();
        assertThat(fixture.source.queryValue("SELECT relreplident::text FROM pg_class WHERE relname = 'events'"))
                .isEqualTo("f");
        fixture.source.execute("INSERT INTO events VALUES (now(), 'captured')", "DELETE FROM events");
        assertThat(fixture.nextBatch(Duration.ofSeconds(20)).table().name()).isEqualTo("events");
    }
}
