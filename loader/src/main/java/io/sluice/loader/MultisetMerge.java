package io.sluice.loader;

import io.sluice.common.batch.Version;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a keyless table's rows as the source has them, duplicates included: an insert (or snapshot read) adds a row
 * versioned by its change, and a delete (an update arrives as a delete of the old row and an insert of the new one)
 * removes one target row with the same values and an older version. Both are idempotent under redelivery: a row is
 * recognised by its version, and a delete by its entry in {@code sluice.keyless_deletes}, which remembers which row it
 * removed; a delete that arrives before its row (out of order) waits there and takes the row when it lands.
 */
final class MultisetMerge {

    private static final String LEDGER = KeylessMatching.LEDGER;

    private MultisetMerge() {}

    static void merge(Connection connection, TargetTable table, Staging staging) throws SQLException {
        if (staging.rows() == 0) {
            return;
        }
        insert(connection, table, staging);
        if (staging.anyDeletes()) {
            recordDeletes(connection, table, staging);
        }
        // The deletes waiting for a row of these values, fresh or from before, take what is there now.
        KeylessMatching.rematch(
                connection,
                table,
                "SELECT " + Sql.rowHash("s", table.columnNames()) + " FROM " + staging.quoted() + " s",
                List.of());
    }

    /** New inserts: neither in the target (by version) nor already removed by a delete. */
    private static void insert(Connection connection, TargetTable table, Staging staging) throws SQLException {
        List<String> columns = new ArrayList<>(table.columnNames());
        columns.addAll(List.of(TargetTable.LSN, TargetTable.SEQ));
        String sql = "INSERT INTO " + table.name().quoted() + " (" + Sql.list(columns) + ") SELECT DISTINCT ON (s."
                + Sql.LSN + ", s." + Sql.SEQ + ") " + Sql.list("s", columns) + " FROM " + staging.quoted()
                + " s WHERE s."
                + Sql.OP + " <> 'd' AND NOT EXISTS (SELECT 1 FROM "
                + table.name().quoted() + " t WHERE "
                + Sql.version("t") + " = " + Sql.version("s") + ") AND NOT EXISTS (SELECT 1 FROM " + LEDGER
                + " k WHERE k.target_table = ? AND k.matched_lsn = s." + Sql.LSN + " AND k.matched_seq = s." + Sql.SEQ
                + ")";
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setString(1, table.name().toString());
            insert.executeUpdate();
        }
    }

    /** The staged deletes not seen before enter the ledger, waiting; a redelivered one is already there. */
    private static void recordDeletes(Connection connection, TargetTable table, Staging staging) throws SQLException {
        try (PreparedStatement record = connection.prepareStatement("INSERT INTO " + LEDGER
                + " (target_table, lsn, seq, row_hash) SELECT DISTINCT ON (s." + Sql.LSN + ", s." + Sql.SEQ + ") ?, s."
                + Sql.LSN + ", s." + Sql.SEQ + ", " + Sql.rowHash("s", table.columnNames()) + " FROM "
                + staging.quoted()
                + " s WHERE s." + Sql.OP + " = 'd' ON CONFLICT DO NOTHING")) {
            record.setString(1, table.name().toString());
            record.executeUpdate();
        }
    }

    /**
     * Before a truncation (the source's, or a snapshot's resync) removes every row older than it: a delete newer than
     * it that took one of those rows took the wrong one — the row it removed at the source is newer, maybe still on
     * its way (a snapshot's row) — so it waits again; deletes older than it have nothing left to remove and go.
     * Returns the row values of the deletes that wait again, for {@link #rematch} once the rows are gone.
     */
    static List<String> reopenDeletesBefore(Connection connection, TargetTable table, Version truncation)
            throws SQLException {
        String target = table.name().toString();
        List<String> reopened = new ArrayList<>();
        try (PreparedStatement reopen = connection.prepareStatement("UPDATE " + LEDGER
                        + " SET matched_lsn = NULL, matched_seq = NULL WHERE target_table = ? AND (lsn, seq) >= (?, ?)"
                        + " AND (matched_lsn, matched_seq) < (?, ?) RETURNING row_hash");
                PreparedStatement prune = connection.prepareStatement(
                        "DELETE FROM " + LEDGER + " WHERE target_table = ? AND (lsn, seq) < (?, ?)")) {
            reopen.setString(1, target);
            reopen.setLong(2, truncation.lsn());
            reopen.setLong(3, truncation.seq());
            reopen.setLong(4, truncation.lsn());
            reopen.setLong(5, truncation.seq());
            try (ResultSet rs = reopen.executeQuery()) {
                while (rs.next()) {
                    reopened.add(rs.getString(1));
                }
            }
            prune.setString(1, target);
            prune.setLong(2, truncation.lsn());
            prune.setLong(3, truncation.seq());
            prune.executeUpdate();
        }
        return reopened;
    }

    /** The deletes of these row values that wait take what the target has left. */
    static void rematch(Connection connection, TargetTable table, List<String> rowHashes) throws SQLException {
        KeylessMatching.rematch(connection, table, "SELECT unnest(?::text[])", rowHashes);
    }
}
