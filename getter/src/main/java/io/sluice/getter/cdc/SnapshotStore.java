package io.sluice.getter.cdc;

import io.sluice.common.pg.Lsn;
import io.sluice.common.pg.TableName;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/** Snapshot progress in the state database (schema {@code sluice}), so that finished chunks survive a crash. */
class SnapshotStore {

    /** Where a source's snapshot stands. */
    enum State {
        NONE,
        STARTED,
        DONE
    }

    private final JdbcTemplate jdbc;

    SnapshotStore(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    State state(String source, String slot) {
        List<String> states = jdbc.queryForList(
                "SELECT state FROM sluice.snapshots WHERE source = ? AND slot = ?", String.class, source, slot);
        return states.isEmpty() ? State.NONE : State.valueOf(states.get(0).toUpperCase(java.util.Locale.ROOT));
    }

    /** Starts a snapshot from scratch, forgetting any earlier one of the same source and slot. */
    void begin(String source, String slot) {
        jdbc.update("DELETE FROM sluice.snapshots WHERE source = ? AND slot = ?", source, slot);
        jdbc.update("INSERT INTO sluice.snapshots (source, slot, state) VALUES (?, ?, 'started')", source, slot);
    }

    boolean planned(String source, String slot) {
        return jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM sluice.snapshot_chunks WHERE source = ? AND slot = ?)",
                Boolean.class,
                source,
                slot);
    }

    void plan(String source, String slot, List<SnapshotChunk> chunks) {
        jdbc.batchUpdate(
                "INSERT INTO sluice.snapshot_chunks (source, slot, table_name, chunk, first_page, end_page, state)"
                        + " VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                chunks,
                500,
                (ps, chunk) -> {
                    ps.setString(1, source);
                    ps.setString(2, slot);
                    ps.setString(3, chunk.table().toString());
                    ps.setInt(4, chunk.number());
                    ps.setLong(5, chunk.firstPage());
                    ps.setObject(6, chunk.endPage());
                });
    }

    List<SnapshotChunk> pending(String source, String slot) {
        return jdbc.query(
                "SELECT table_name, chunk, first_page, end_page FROM sluice.snapshot_chunks"
                        + " WHERE source = ? AND slot = ? AND state = 'pending' ORDER BY table_name, chunk",
                (rs, i) -> new SnapshotChunk(
                        TableName.parse(rs.getString(1)), rs.getInt(2), rs.getLong(3), (Long) rs.getObject(4)),
                source,
                slot);
    }

    /** Counts of done and all chunks. */
    long[] progress(String source, String slot) {
        return jdbc.queryForObject(
                "SELECT count(*) FILTER (WHERE state = 'done'), count(*) FROM sluice.snapshot_chunks"
                        + " WHERE source = ? AND slot = ?",
                (rs, i) -> new long[] {rs.getLong(1), rs.getLong(2)},
                source,
                slot);
    }

    void done(String source, String slot, SnapshotChunk chunk, long rows, Lsn snapshotLsn) {
        jdbc.update(
                "UPDATE sluice.snapshot_chunks SET state = 'done', rows = ?, snapshot_lsn = ?::pg_lsn, done_at = now()"
                        + " WHERE source = ? AND slot = ? AND table_name = ? AND chunk = ?",
                rows,
                snapshotLsn.toString(),
                source,
                slot,
                chunk.table().toString(),
                chunk.number());
    }

    void finish(String source, String slot) {
        jdbc.update(
                "UPDATE sluice.snapshots SET state = 'done', finished_at = now() WHERE source = ? AND slot = ?",
                source,
                slot);
    }
}
