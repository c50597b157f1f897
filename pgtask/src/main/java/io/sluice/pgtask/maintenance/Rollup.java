package io.sluice.pgtask.maintenance;

import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import io.sluice.pgtask.PgTaskProperties;
import io.sluice.pgtask.runner.Ddl;
import io.sluice.pgtask.runner.Job;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * An incremental rollup: summarizes the rows of each complete time bucket of {@code source} into {@code into} (keyed
 * by {@code bucket}, then the columns of the select list in order), from a watermark kept in
 * {@code sluice.rollup_watermarks}. Each run deletes and recomputes the buckets from {@code recompute} buckets before
 * the watermark up to the last complete one, in one transaction: re-running changes nothing, and a late row in a recent
 * bucket is counted at the next run.
 */
public final class Rollup implements Job {

    private final PgTaskProperties.Rollup config;
    private final DataSource database;
    private final DataSource state;
    private final Ddl ddl;
    private final long width;

    public Rollup(PgTaskProperties.Rollup config, DataSource database, DataSource state, Ddl ddl) {
        this.config = config;
        this.database = database;
        this.state = state;
        this.ddl = ddl;
        this.width = config.bucket().toSeconds();
        if (width <= 0) {
            throw new IllegalArgumentException("rollup '" + config.name() + "': bucket must be at least a second");
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String kind() {
        return "rollup";
    }

    @Override
    public String cron() {
        return config.cron();
    }

    @Override
    public String run(Instant now) throws Exception {
        Instant end = floor(now); // only complete buckets
        Instant watermark = watermark();
        String time = Identifiers.quote(config.timeColumn());
        String source = TableName.parse(config.source()).quoted();
        String into = TableName.parse(config.into()).quoted();
        int rows = ddl.inTransaction(database, "rolling up " + config.source(), c -> {
            Instant start =
                    watermark != null ? watermark.minusSeconds(width * config.recompute()) : earliest(c, source, time);
            if (start == null || !start.isBefore(end)) {
                return 0;
            }
            String bucket = "to_timestamp(floor(extract(epoch FROM " + time + ") / " + width + ") * " + width + ")";
            try (PreparedStatement delete =
                            c.prepareStatement("DELETE FROM " + into + " WHERE bucket >= ? AND bucket < ?");
                    PreparedStatement insert = c.prepareStatement("INSERT INTO " + into + " SELECT " + bucket
                            + " AS bucket, " + config.select() + " FROM " + source + " WHERE " + time + " >= ? AND "
                            + time + " < ? GROUP BY 1")) {
                for (PreparedStatement s : new PreparedStatement[] {delete, insert}) {
                    s.setTimestamp(1, Timestamp.from(start));
                    s.setTimestamp(2, Timestamp.from(end));
                }
                delete.executeUpdate();
                return insert.executeUpdate();
            }
        });
        if (watermark == null || end.isAfter(watermark)) {
            saveWatermark(end);
        }
        return "summarized " + rows + " buckets up to " + end;
    }

    private Instant floor(Instant time) {
        return Instant.ofEpochSecond(Math.floorDiv(time.getEpochSecond(), width) * width);
    }

    private Instant earliest(Connection c, String source, String time) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT min(" + time + ") FROM " + source);
                ResultSet rs = s.executeQuery()) {
            rs.next();
            Timestamp min = rs.getTimestamp(1);
            return min == null ? null : floor(min.toInstant());
        }
    }

    private Instant watermark() throws SQLException {
        try (Connection c = state.getConnection();
                PreparedStatement s =
                        c.prepareStatement("SELECT watermark FROM sluice.rollup_watermarks WHERE rollup = ?")) {
            s.setString(1, config.name());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getTimestamp(1).toInstant() : null;
            }
        }
    }

    private void saveWatermark(Instant watermark) throws SQLException {
        try (Connection c = state.getConnection();
                PreparedStatement s = c.prepareStatement("INSERT INTO sluice.rollup_watermarks (rollup, watermark)"
                        + " VALUES (?, ?) ON CONFLICT (rollup) DO UPDATE SET watermark = EXCLUDED.watermark,"
                        + " updated_at = now()")) {
            s.setString(1, config.name());
            s.setTimestamp(2, Timestamp.from(watermark));
            s.executeUpdate();
        }
    }
}
