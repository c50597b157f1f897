package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.Lsn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Initial snapshots: consistent with the slot, read in parallel chunks, resumed without re-reading finished ones. */
class SnapshotIT {

    private GetterFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new GetterFixture();
        fixture.source.execute(
                "CREATE TABLE feed_log (id int8 PRIMARY KEY, c1 int, c2 int, info text, crt_time timestamp)");
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void existingRowsArriveOnceAsReadsVersionedAtTheSlotsStart() throws Exception {
        fill(5_000);
        fixture.start("--sluice.getter.cdc.snapshot.chunk-pages=4", "--sluice.getter.cdc.snapshot.parallelism=2");
        fixture.awaitStreaming();
        fixture.source.execute("UPDATE feed_log SET info = 'changed after the snapshot' WHERE id = 1");

        List<Row> reads = new ArrayList<>();
        List<Row> changes = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (ChangeBatch batch : fixture.drain()) {
                (batch.origin() == Origin.SNAPSHOT ? reads : changes).addAll(batch.rows());
            }
            return reads.size() >= 5_000 && !changes.isEmpty();
        });

        assertThat(reads).hasSize(5_000).extracting(Row::op).containsOnly(Op.READ);
        assertThat(reads.stream().map(r -> r.values().get(0)).distinct()).hasSize(5_000);
        long snapshotLsn = reads.get(0).lsn();
        assertThat(reads).extracting(Row::lsn).containsOnly(snapshotLsn);
        // The update committed after the slot was created: streamed, and newer than every snapshot row.
        assertThat(changes).singleElement().satisfies(change -> {
            assertThat(change.op()).isEqualTo(Op.UPDATE);
            assertThat(change.lsn()).isGreaterThan(snapshotLsn);
        });
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        "done".equals(fixture.state.queryValue("SELECT state FROM sluice.snapshots WHERE scope = ''")));
        assertThat(fixture.state.queryLong("SELECT count(*) FROM sluice.snapshot_chunks"))
                .isGreaterThan(2);
        assertThat(fixture.state.queryLong("SELECT sum(rows) FROM sluice.snapshot_chunks WHERE state = 'done'"))
                .isEqualTo(5_000);
        // Progress is visible where operators look: the metrics.
        String metrics = fixture.probe().metrics();
        long chunks = fixture.state.queryLong("SELECT count(*) FROM sluice.snapshot_chunks");
        assertThat(metrics)
                .contains("sluice_snapshot_chunks{application=\"sluice-getter\",source=\"shop\",state=\"done\"} "
                        + chunks + ".0")
                .contains("sluice_snapshot_chunks{application=\"sluice-getter\",source=\"shop\",state=\"total\"} "
                        + chunks + ".0")
                .contains(
                        "sluice_snapshot_rows_total{application=\"sluice-getter\",source=\"shop\",table=\"public.feed_log\"} 5000.0");
    }

    @Test
    void aRestartedSnapshotReadsOnlyTheChunksThatWereNotFinished() throws Exception {
        fill(60_000);
        fixture.start("--sluice.getter.cdc.snapshot.chunk-pages=1", "--sluice.getter.cdc.snapshot.parallelism=1");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> fixture.state.queryLong("SELECT count(*) FROM sluice.snapshot_chunks WHERE state = 'done'")
                        >= 5);
        fixture.stop();
        long doneRows = fixture.state.queryLong(
                "SELECT coalesce(sum(rows), 0) FROM sluice.snapshot_chunks WHERE state = 'done'");
        assertThat(fixture.state.queryLong("SELECT count(*) FROM sluice.snapshot_chunks WHERE state = 'pending'"))
                .as("the first run must stop mid-snapshot")
                .isPositive();
        List<Row> first = snapshotRows(fixture.drain());

        fixture.start("--sluice.getter.cdc.snapshot.chunk-pages=1", "--sluice.getter.cdc.snapshot.parallelism=1");
        await().atMost(Duration.ofSeconds(120))
                .until(() ->
                        "done".equals(fixture.state.queryValue("SELECT state FROM sluice.snapshots WHERE scope = ''")));
        List<Row> second = snapshotRows(fixture.drain());

        assertThat(second).hasSize((int) (60_000 - doneRows));
        Set<String> keys = new HashSet<>();
        first.forEach(r -> keys.add(r.values().get(0)));
        second.forEach(r -> keys.add(r.values().get(0)));
        assertThat(keys).hasSize(60_000);
        // The resumed part was read in a newer snapshot, consistent with its own (later) point.
        assertThat(second.get(0).lsn()).isGreaterThan(first.get(0).lsn());
    }

    @Test
    void neverModeStreamsOnlyNewChanges() throws Exception {
        fill(100);
        fixture.start("--sluice.getter.cdc.sources[0].snapshot-mode=never");
        fixture.awaitStreaming();
        fixture.source.execute("INSERT INTO feed_log VALUES (100001, 1, 1, 'new', now())");
        ChangeBatch batch = fixture.nextBatch(Duration.ofSeconds(20));
        assertThat(batch.origin()).isEqualTo(Origin.CDC);
        assertThat(batch.rows()).extracting(r -> r.values().get(0)).containsExactly("100001");
        assertThat(fixture.drain()).isEmpty();
    }

    @Test
    void initialOnlyReadsTheTablesAndKeepsNoSlot() throws Exception {
        fill(1_000);
        fixture.start("--sluice.getter.cdc.sources[0].snapshot-mode=initial_only");
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        "done".equals(fixture.state.queryValue("SELECT state FROM sluice.snapshots WHERE scope = ''")));
        assertThat(snapshotRows(fixture.drain())).hasSize(1_000);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> fixture.source.queryLong(
                                "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")
                        == 0);
    }

    @Test
    void anAdhocSnapshotRequestedOverHttpRereadsOneTableWhileStreaming() throws Exception {
        fill(3_000);
        fixture.start("--sluice.getter.cdc.sources[0].snapshot-mode=never");
        fixture.awaitStreaming();
        long slotStart = Lsn.parse((String) fixture.source.queryValue(
                        "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '"
                                + fixture.source.name() + "'"))
                .value();
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.port()
                                        + "/snapshots?source=shop&table=public.feed_log"))
                                .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION)
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).contains("\"state\":\"requested\"");

        List<Row> reads = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            reads.addAll(snapshotRows(fixture.drain()));
            return reads.size() >= 3_000;
        });
        assertThat(reads).hasSize(3_000);
        assertThat(reads.get(0).lsn())
                .as("consistent at a point after the slot's start")
                .isGreaterThan(slotStart);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "done"
                        .equals(fixture.state.queryValue(
                                "SELECT state FROM sluice.snapshots WHERE scope = 'public.feed_log'")));
    }

    /**
     * {@code --where}: only the rows the condition keeps are read, in every chunk, and the request is followed to its
     * end by its id; a condition the source cannot plan, or one that tries to leave its parentheses, is refused with
     * the reason and reads nothing.
     */
    @Test
    void aFilteredAdhocSnapshotReadsOnlyTheRowsItsConditionKeeps() throws Exception {
        fill(3_000);
        fixture.start(
                "--sluice.getter.cdc.sources[0].snapshot-mode=never", "--sluice.getter.cdc.snapshot.chunk-pages=4");
        fixture.awaitStreaming();

        HttpResponse<String> unknown = requestSnapshot("nope > 1");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("the source refuses the row filter", "nope", "42703");
        HttpResponse<String> escape = requestSnapshot("true)) TO STDOUT; DROP TABLE feed_log; --");
        assertThat(escape.statusCode()).isEqualTo(400);
        assertThat(escape.body()).contains("closes a parenthesis it did not open");
        assertThat(fixture.source.queryValue("SELECT count(*) FROM feed_log")).isEqualTo(3_000L);

        HttpResponse<String> asked = requestSnapshot("c1 < 10 AND info <> 'not; this -- one'");
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
        String id = asked.body().replaceAll(".*\"id\":\"(\\d+)\".*", "$1");
        List<Row> reads = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            reads.addAll(snapshotRows(fixture.drain()));
            return get("/snapshots/" + id).body().contains("\"state\":\"done\"");
        });
        reads.addAll(snapshotRows(fixture.drain()));
        assertThat(reads)
                .hasSize(300)
                .allSatisfy(
                        row -> assertThat(Integer.parseInt(row.values().get(1))).isLessThan(10));
        assertThat(get("/snapshots/" + id).body()).contains("\"rows\":300");
        assertThat(fixture.state.queryValue("SELECT count(DISTINCT chunk) FROM sluice.snapshot_chunks"
                        + " WHERE scope = 'public.feed_log'"))
                .as("read in several chunks, each narrowed")
                .isNotEqualTo(1L);
        assertThat(get("/snapshots/999999").statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> requestSnapshot(String where) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.port()
                                        + "/snapshots?source=shop&table=public.feed_log&where="
                                        + java.net.URLEncoder.encode(where, java.nio.charset.StandardCharsets.UTF_8)))
                                .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION)
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.port() + path))
                                .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTableAddedToTheConfigurationIsSnapshotted() throws Exception {
        fill(10);
        fixture.source.execute(
                "CREATE TABLE late (id int8 PRIMARY KEY, v text)",
                "INSERT INTO late SELECT g, 'existing ' || g FROM generate_series(1, 500) g");
        fixture.start("--sluice.getter.cdc.sources[0].tables=public.feed_log");
        fixture.awaitStreaming();
        List<ChangeBatch> initial = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            initial.addAll(fixture.drain());
            return snapshotRows(initial).size() >= 10
                    && "done".equals(fixture.state.queryValue("SELECT state FROM sluice.snapshots WHERE scope = ''"));
        });
        assertThat(initial)
                .filteredOn(b -> b.origin() == Origin.SNAPSHOT)
                .extracting(b -> b.table().name())
                .as("the initial snapshot reads only the configured table")
                .containsOnly("feed_log");
        assertThat(snapshotRows(initial)).hasSize(10);
        fixture.stop();

        fixture.start("--sluice.getter.cdc.sources[0].tables=public.feed_log,public.late");
        List<ChangeBatch> batches = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            batches.addAll(fixture.drain());
            return snapshotRows(batches).size() >= 500;
        });
        assertThat(batches)
                .filteredOn(b -> b.origin() == Origin.SNAPSHOT)
                .extracting(b -> b.table().name())
                .containsOnly("late");
        fixture.source.execute("INSERT INTO late VALUES (501, 'streamed')");
        assertThat(fixture.nextBatch(Duration.ofSeconds(20)).table().name()).isEqualTo("late");
    }

    private void fill(int rows) {
        fixture.source.execute("INSERT INTO feed_log SELECT i, i % 100, i % 7, 'row ' || i || E' with\\ttab',"
                + " timestamp '2026-11-30 10:00' + i * interval '1 second' FROM generate_series(1, " + rows + ") i");
    }

    private static List<Row> snapshotRows(List<ChangeBatch> batches) {
        return batches.stream()
                .filter(b -> b.origin() == Origin.SNAPSHOT)
                .flatMap(b -> b.rows().stream())
                .toList();
    }
}
