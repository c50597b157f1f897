package io.sluice.getter.cdc;

import io.sluice.common.pg.Lsn;
import io.sluice.common.pg.TableName;
import io.sluice.common.state.SnapshotRequests;
import io.sluice.common.state.StateTables;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** Snapshot progress in the state database (schema {@code sluice}), so that finished chunks survive a crash. */
class SnapshotStore {

    /** Where a snapshot stands. */
    enum State {
        NONE,
        STARTED,
        DONE
    }

    /**
     * One snapshot of a source's slot: the initial one ({@code scope} empty) or an ad hoc one of a single table
     * ({@code scope} is that table), of every row or of those its {@code filter} keeps (null: every row).
     */
    record Job(String source, String slot, String scope, RowFilter filter) {

        static Job initial(CdcProperties.Source source) {
            return new Job(source.name(), source.slot(), "", null);
        }

        static Job adhoc(CdcProperties.Source source, TableName table, RowFilter filter) {
            return new Job(source.name(), source.slot(), table.toString(), filter);
        }

        /** A chunk's page range, narrowed by the filter if there is one. */
        String rows(SnapshotChunk chunk) {
            return filter == null ? chunk.ctidFilter() : filter.and(chunk.ctidFilter());
        }

        boolean isAdhoc() {
            return !scope.isEmpty();
        }
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;

    SnapshotStore(DataSource dataSource, TransactionTemplate transactions) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.transactions = transactions;
    }

    State state(Job job) {
        List<String> states = jdbc.queryForList(
                "SELECT state FROM sluice.snapshots WHERE source = ? AND slot = ? AND scope = ?",
                String.class,
                job.source(),
                job.slot(),
                job.scope());
        return states.isEmpty() ? State.NONE : State.valueOf(states.get(0).toUpperCase(Locale.ROOT));
    }

    /** Starts a snapshot from scratch, forgetting any earlier one of the same job. */
    void begin(Job job) {
        begin(job, null);
    }

    /** Starts a snapshot from scratch for the request with this id (null: none), forgetting any earlier one. */
    private void begin(Job job, Long requestId) {
        transactions.executeWithoutResult(status -> {
            jdbc.update(
                    "DELETE FROM sluice.snapshots WHERE source = ? AND slot = ? AND scope = ?",
                    job.source(),
                    job.slot(),
                    job.scope());
            jdbc.update(
                    "INSERT INTO sluice.snapshots (source, slot, scope, state, row_filter, request_id)"
                            + " VALUES (?, ?, ?, 'started', ?, ?)",
                    job.source(),
                    job.slot(),
                    job.scope(),
                    job.filter() == null ? null : job.filter().sql(),
                    requestId);
        });
    }

    /**
     * Asks for an ad hoc snapshot of a table's rows that the filter keeps (null: every row); the source's getter picks
     * it up while it streams. Returns the request's id, by which {@link #follow} finds it.
     */
    long request(String source, TableName table, RowFilter filter) {
        return jdbc.queryForObject(
                SnapshotRequests.REQUEST_ROWS,
                Long.class,
                source,
                table.toString(),
                filter == null ? null : filter.sql());
    }

    /** Where a requested snapshot stands: its state, chunks done of planned, rows confirmed. */
    record Followed(String state, long chunksDone, long chunks, long rows) {}

    /** Where the request with this id stands, or empty once a later request for the same table replaced it. */
    java.util.Optional<Followed> follow(long requestId) {
        return jdbc
                .query(
                        SnapshotRequests.FOLLOW,
                        (rs, i) -> new Followed(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)),
                        requestId,
                        requestId)
                .stream()
                .findFirst();
    }

    /** A request to re-read some keys of a table: a data check's repair. */
    record Repair(long id, TableName table, String keyColumn, List<String> keys) {}

    /** The oldest repair asked of this source, if any; it stays asked until {@link #repaired} removes it. */
    java.util.Optional<Repair> nextRepair(CdcProperties.Source source) {
        return jdbc
                .query(
                        "SELECT id, table_name, key_column, keys FROM " + StateTables.SNAPSHOT_REQUESTS
                                + " WHERE source = ? AND keys IS NOT NULL ORDER BY id LIMIT 1",
                        (rs, i) -> new Repair(
                                rs.getLong(1), TableName.parse(rs.getString(2)), rs.getString(3), List.of((String[])
                                        rs.getArray(4).getArray())),
                        source.name())
                .stream()
                .findFirst();
    }

    /** Removes a repair once everything it sent is confirmed by the broker. */
    void repaired(Repair repair) {
        jdbc.update("DELETE FROM " + StateTables.SNAPSHOT_REQUESTS + " WHERE id = ?", repair.id());
    }

    /** Turns this source's requests into started ad hoc snapshots; returns every unfinished ad hoc snapshot. */
    List<Job> adhocJobs(CdcProperties.Source source) {
        jdbc.query(
                "DELETE FROM " + StateTables.SNAPSHOT_REQUESTS + " WHERE source = ? AND keys IS NULL"
                        + " RETURNING id, table_name, row_filter",
                rs -> {
                    begin(Job.adhoc(source, TableName.parse(rs.getString(2)), filter(rs.getString(3))), rs.getLong(1));
                },
                source.name());
        return jdbc.query(
                "SELECT scope, row_filter FROM sluice.snapshots WHERE source = ? AND slot = ? AND scope <> ''"
                        + " AND state = 'started' ORDER BY started_at",
                (rs, i) -> new Job(source.name(), source.slot(), rs.getString(1), filter(rs.getString(2))),
                source.name(),
                source.slot());
    }

    /**
     * A stored filter as it was written: one written straight into the signal table has not been checked yet, and the
     * getter checks it ({@link RowFilter#parse}) before it reads a row.
     */
    private static RowFilter filter(String sql) {
        return sql == null ? null : new RowFilter(sql);
    }

    boolean planned(Job job) {
        return jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM sluice.snapshot_chunks WHERE source = ? AND slot = ? AND scope = ?)",
                Boolean.class,
                job.source(),
                job.slot(),
                job.scope());
    }

    void plan(Job job, List<SnapshotChunk> chunks) {
        jdbc.batchUpdate(
                "INSERT INTO sluice.snapshot_chunks (source, slot, scope, table_name, chunk, first_page, end_page,"
                        + " state) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
                chunks,
                500,
                (ps, chunk) -> {
                    ps.setString(1, job.source());
                    ps.setString(2, job.slot());
                    ps.setString(3, job.scope());
                    ps.setString(4, chunk.table().toString());
                    ps.setInt(5, chunk.number());
                    ps.setLong(6, chunk.firstPage());
                    ps.setObject(7, chunk.endPage());
                });
    }

    List<SnapshotChunk> pending(Job job) {
        return jdbc.query(
                "SELECT table_name, chunk, first_page, end_page FROM sluice.snapshot_chunks"
                        + " WHERE source = ? AND slot = ? AND scope = ? AND state = 'pending' ORDER BY table_name, chunk",
                (rs, i) -> new SnapshotChunk(
                        TableName.parse(rs.getString(1)), rs.getInt(2), rs.getLong(3), (Long) rs.getObject(4)),
                job.source(),
                job.slot(),
                job.scope());
    }

    /** The tables a planned job reads. */
    List<TableName> tables(Job job) {
        return jdbc
                .queryForList(
                        "SELECT DISTINCT table_name FROM sluice.snapshot_chunks WHERE source = ? AND slot = ? AND scope = ?",
                        String.class,
                        job.source(),
                        job.slot(),
                        job.scope())
                .stream()
                .map(TableName::parse)
                .toList();
    }

    /**
     * Makes every chunk of a partly read table pending again, to be read in the snapshot being started; a table read
     * whole (or not at all) is left as it is.
     */
    void reread(Job job, TableName table) {
        jdbc.update(
                "UPDATE sluice.snapshot_chunks c SET state = 'pending', rows = NULL, snapshot_lsn = NULL, done_at = NULL"
                        + " WHERE source = ? AND slot = ? AND scope = ? AND table_name = ? AND state = 'done'"
                        + " AND EXISTS (SELECT 1 FROM sluice.snapshot_chunks p WHERE p.source = c.source"
                        + " AND p.slot = c.slot AND p.scope = c.scope AND p.table_name = c.table_name"
                        + " AND p.state = 'pending')",
                job.source(),
                job.slot(),
                job.scope(),
                table.toString());
    }

    /** Counts of done and all chunks. */
    long[] progress(Job job) {
        return jdbc.queryForObject(
                "SELECT count(*) FILTER (WHERE state = 'done'), count(*) FROM sluice.snapshot_chunks"
                        + " WHERE source = ? AND slot = ? AND scope = ?",
                (rs, i) -> new long[] {rs.getLong(1), rs.getLong(2)},
                job.source(),
                job.slot(),
                job.scope());
    }

    void done(Job job, SnapshotChunk chunk, long rows, Lsn snapshotLsn) {
        jdbc.update(
                "UPDATE sluice.snapshot_chunks SET state = 'done', rows = ?, snapshot_lsn = ?::pg_lsn, done_at = now()"
                        + " WHERE source = ? AND slot = ? AND scope = ? AND table_name = ? AND chunk = ?",
                rows,
                snapshotLsn.toString(),
                job.source(),
                job.slot(),
                job.scope(),
                chunk.table().toString(),
                chunk.number());
    }

    void finish(Job job) {
        jdbc.update(
                "UPDATE sluice.snapshots SET state = 'done', finished_at = now()"
                        + " WHERE source = ? AND slot = ? AND scope = ?",
                job.source(),
                job.slot(),
                job.scope());
    }
}
