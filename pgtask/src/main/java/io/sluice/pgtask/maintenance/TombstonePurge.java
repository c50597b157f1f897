package io.sluice.pgtask.maintenance;

import io.sluice.common.state.StateTables;
import io.sluice.pgtask.runner.Job;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * Purges the loader's tombstones (versions of deleted keys) and keyless deletes older than a horizon, in slices so that
 * no transaction holds many locks: past the horizon no older change of those rows is expected to arrive any more.
 */
public final class TombstonePurge implements Job {

    private static final int SLICE = 10_000;

    private final String cron;
    private final Duration horizon;
    private final DataSource state;

    public TombstonePurge(String cron, Duration horizon, DataSource state) {
        this.cron = cron;
        this.horizon = horizon;
        this.state = state;
    }

    @Override
    public String name() {
        return "tombstone-purge";
    }

    @Override
    public String kind() {
        return "tombstone-purge";
    }

    @Override
    public String cron() {
        return cron;
    }

    @Override
    public String run(Instant now) throws Exception {
        long tombstones = purge(StateTables.TOMBSTONES, now);
        long keylessDeletes = purge(StateTables.KEYLESS_DELETES, now);
        return "purged " + tombstones + " tombstones and " + keylessDeletes + " keyless deletes older than " + horizon;
    }

    private long purge(String table, Instant now) throws Exception {
        long purged = 0;
        int slice;
        try (Connection c = state.getConnection();
                PreparedStatement purge = c.prepareStatement("DELETE FROM " + table
                        + " WHERE ctid IN (SELECT ctid FROM " + table + " WHERE deleted_at < ? LIMIT " + SLICE + ")")) {
            purge.setTimestamp(1, Timestamp.from(now.minus(horizon)));
            do {
                slice = purge.executeUpdate();
                purged += slice;
            } while (slice == SLICE);
        }
        return purged;
    }
}
