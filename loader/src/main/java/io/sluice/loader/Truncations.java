package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.batch.Version;
import io.sluice.common.pg.Identifiers;
import io.sluice.loader.TableRule.DeleteMode;
import io.sluice.loader.TableRule.WriteMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * Source TRUNCATEs, when the table's rule propagates them: rows older than the truncation leave the target (deleted —
 * in upsert and append modes —, flagged, or closed in history), the truncation's version is kept, and staged rows older than it are discarded, so
 * changes arriving late cannot bring truncated rows back. Newer rows, already loaded out of order, stay.
 */
final class Truncations {

    private Truncations() {}

    /** The newest TRUNCATE of the source's application (a change the rule may or may not propagate). */
    static Optional<Version> newest(List<ChangeBatch> batches) {
        return newest(batches, false);
    }

    /**
     * The newest resync: a snapshot of a keyless table starts with a TRUNCATE at its consistent point, since its rows
     * then replace every older one (a keyless row cannot be matched to its earlier copy by a key).
     */
    static Optional<Version> newestResync(List<ChangeBatch> batches) {
        return newest(batches, true);
    }

    private static Optional<Version> newest(List<ChangeBatch> batches, boolean resync) {
        return batches.stream()
                .filter(b -> (b.origin() == Origin.SNAPSHOT) == resync)
                .flatMap(b -> b.rows().stream())
                .filter(r -> r.op() == Op.TRUNCATE)
                .map(Row::version)
                .max(Version::compareTo);
    }

    static void apply(Connection connection, TargetTable table, Version truncation) throws SQLException {
        String q = table.name().quoted();
        String older = " WHERE " + Sql.version("t") + " < (?, ?)";
        String sql = switch (table.spec().mode()) {
            case UPSERT ->
                table.spec().deletes() == DeleteMode.SOFT
                        ? "UPDATE " + q + " t SET " + Sql.DELETED + " = true, " + Sql.LSN + " = ?, " + Sql.SEQ + " = ?"
                                + older + " AND NOT t." + Sql.DELETED
                        : "DELETE FROM " + q + " t" + older;
            case HISTORY ->
                "UPDATE " + q + " t SET " + Identifiers.quote(TargetTable.VALID_TO) + " = now()" + older + " AND t."
                        + Identifiers.quote(TargetTable.VALID_TO) + " IS NULL";
            // Asked for by the rule (truncate: true), or a resync: the rows before it go, as they went at the source.
            case APPEND, MULTISET -> "DELETE FROM " + q + " t" + older;
        };
        boolean multiset = table.spec().mode() == WriteMode.MULTISET;
        List<String> reopened = multiset ? MultisetMerge.reopenDeletesBefore(connection, table, truncation) : List.of();
        try (PreparedStatement record = connection.prepareStatement("INSERT INTO sluice.truncations AS tr"
                + " (target_table, lsn, seq) VALUES (?, ?, ?) ON CONFLICT (target_table) DO UPDATE SET"
                + " lsn = EXCLUDED.lsn, seq = EXCLUDED.seq, truncated_at = now()"
                + " WHERE (tr.lsn, tr.seq) < (EXCLUDED.lsn, EXCLUDED.seq)")) {
            record.setString(1, table.name().toString());
            record.setLong(2, truncation.lsn());
            record.setLong(3, truncation.seq());
            record.executeUpdate();
        }
        try (PreparedStatement truncate = connection.prepareStatement(sql)) {
            int parameter = 1;
            if (table.spec().mode() == WriteMode.UPSERT && table.spec().deletes() == DeleteMode.SOFT) {
                truncate.setLong(parameter++, truncation.lsn());
                truncate.setLong(parameter++, truncation.seq());
            }
            truncate.setLong(parameter++, truncation.lsn());
            truncate.setLong(parameter, truncation.seq());
            truncate.executeUpdate();
        }
        if (!reopened.isEmpty()) {
            MultisetMerge.rematch(connection, table, reopened);
        }
    }

    /** Discards staged rows older than the newest truncation applied to the target. */
    static void discardOlderRows(Connection connection, TargetTable table, Staging staging) throws SQLException {
        try (PreparedStatement discard = connection.prepareStatement("DELETE FROM " + staging.quoted() + " s WHERE "
                + Sql.version("s") + " < (SELECT lsn, seq FROM sluice.truncations WHERE target_table = ?)")) {
            discard.setString(1, table.name().toString());
            discard.executeUpdate();
        }
    }
}
