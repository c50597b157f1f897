package io.sluice.loader;

import io.sluice.common.state.StateTables;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, per row value of a keyless table, which rows its deletes removed. Every delete removed a row older than
 * itself, so the rows known for a value (those in the target and those deletes already took) are paired with its
 * deletes afresh, oldest delete first taking the oldest row left that is older than it: the most deletes that can be
 * paired are, whatever order the changes came in. Rows of one value are identical but for their version, so the target
 * then keeps that value's unpaired versions: surplus copies are deleted and kept ones take the right versions. Runs
 * under the table's exclusive merge lock.
 */
final class KeylessMatching {

    static final String LEDGER = StateTables.KEYLESS_DELETES;

    private static final Logger log = LoggerFactory.getLogger(KeylessMatching.class);

    private record Version(long lsn, long seq) implements Comparable<Version> {
        @Override
        public int compareTo(Version other) {
            int byLsn = Long.compare(lsn, other.lsn);
            return byLsn != 0 ? byLsn : Long.compare(seq, other.seq);
        }
    }

    /** A target row of the value: where it is and the version it carries. */
    private record Present(long relation, String tid, Version version) {}

    /** A delete of the value, and the version of the row it took (null: none yet). */
    private record Delete(Version version, Version matched) {}

    private KeylessMatching() {}

    /** Re-pairs the values {@code hashes} selects that have a waiting delete ({@code hashes} may take a text[]). */
    static void rematch(Connection connection, TargetTable table, String hashes, List<String> hashParameter)
            throws SQLException {
        String target = table.name().toString();
        if (!anyWaiting(connection, target)) {
            return; // the common case (inserts only, or every delete paired): no row needs hashing
        }
        List<String> values = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT DISTINCT row_hash FROM " + LEDGER
                + " WHERE target_table = ? AND matched_lsn IS NULL AND row_hash IN (" + hashes + ")")) {
            query.setString(1, target);
            if (!hashParameter.isEmpty()) {
                query.setArray(2, connection.createArrayOf("text", hashParameter.toArray()));
            }
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
        }
        if (values.isEmpty()) {
            return; // no delete waits: the pairing so far is already the most there can be
        }
        Array wanted = connection.createArrayOf("text", values.toArray());
        Map<String, List<Delete>> deletes = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT row_hash, lsn, seq, matched_lsn, matched_seq"
                + " FROM " + LEDGER + " WHERE target_table = ? AND row_hash = ANY (?) ORDER BY lsn, seq")) {
            query.setString(1, target);
            query.setArray(2, wanted);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    long matchedLsn = rs.getLong(4);
                    Version matched = rs.wasNull() ? null : new Version(matchedLsn, rs.getLong(5));
                    deletes.computeIfAbsent(rs.getString(1), h -> new ArrayList<>())
                            .add(new Delete(new Version(rs.getLong(2), rs.getLong(3)), matched));
                }
            }
        }
        Map<String, List<Present>> present = new HashMap<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT h, tableoid::int8, ctid::text, l, s FROM"
                + " (SELECT " + Sql.rowHash("t", table.columnNames()) + " AS h, t.tableoid, t.ctid, t." + Sql.LSN
                + " AS l, t." + Sql.SEQ + " AS s FROM " + table.name().quoted() + " t) hashed WHERE h = ANY (?)"
                + " ORDER BY l, s")) {
            query.setArray(1, wanted);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    present.computeIfAbsent(rs.getString(1), h -> new ArrayList<>())
                            .add(new Present(
                                    rs.getLong(2), rs.getString(3), new Version(rs.getLong(4), rs.getLong(5))));
                }
            }
        }
        try (PreparedStatement retag =
                        connection.prepareStatement("UPDATE " + table.name().quoted() + " SET " + Sql.LSN + " = ?, "
                                + Sql.SEQ + " = ? WHERE tableoid = ?::oid AND ctid = ?::tid");
                PreparedStatement remove = connection.prepareStatement(
                        "DELETE FROM " + table.name().quoted() + " WHERE tableoid = ?::oid AND ctid = ?::tid");
                PreparedStatement note = connection.prepareStatement("UPDATE " + LEDGER + " SET matched_lsn = ?,"
                        + " matched_seq = ? WHERE target_table = ? AND lsn = ? AND seq = ?")) {
            for (String value : values) {
                apply(
                        target,
                        value,
                        deletes.getOrDefault(value, List.of()),
                        present.getOrDefault(value, List.of()),
                        retag,
                        remove,
                        note);
            }
            retag.executeBatch();
            remove.executeBatch();
            note.executeBatch();
        }
    }

    private static boolean anyWaiting(Connection connection, String target) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT EXISTS (SELECT 1 FROM " + LEDGER + " WHERE target_table = ? AND matched_lsn IS NULL)")) {
            query.setString(1, target);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void apply(
            String target,
            String value,
            List<Delete> deletes,
            List<Present> present,
            PreparedStatement retag,
            PreparedStatement remove,
            PreparedStatement note)
            throws SQLException {
        List<Version> known = new ArrayList<>();
        present.forEach(p -> known.add(p.version()));
        deletes.stream().map(Delete::matched).filter(Objects::nonNull).forEach(known::add);
        known.sort(Comparator.naturalOrder());
        // Deletes oldest first, each taking the oldest row left older than itself: a maximum pairing.
        boolean[] taken = new boolean[known.size()];
        Version[] matches = new Version[deletes.size()];
        int next = 0;
        for (int d = 0; d < deletes.size(); d++) {
            if (next < known.size() && known.get(next).compareTo(deletes.get(d).version()) < 0) {
                matches[d] = known.get(next);
                taken[next++] = true;
            }
        }
        List<Version> kept = new ArrayList<>();
        for (int i = 0; i < known.size(); i++) {
            if (!taken[i]) {
                kept.add(known.get(i));
            }
        }
        if (kept.size() > present.size()) {
            // Cannot happen (the pairing only grows), but a row cannot be made from its hash: say so, change nothing.
            log.error(
                    "keyless rows of {} ({}): {} should remain but only {} are there",
                    target,
                    value,
                    kept.size(),
                    present.size());
            return;
        }
        for (int d = 0; d < deletes.size(); d++) {
            Delete delete = deletes.get(d);
            if (!Objects.equals(matches[d], delete.matched())) {
                note.setObject(1, matches[d] == null ? null : matches[d].lsn(), java.sql.Types.BIGINT);
                note.setObject(2, matches[d] == null ? null : matches[d].seq(), java.sql.Types.BIGINT);
                note.setString(3, target);
                note.setLong(4, delete.version().lsn());
                note.setLong(5, delete.version().seq());
                note.addBatch();
            }
        }
        for (int i = 0; i < present.size(); i++) {
            Present row = present.get(i);
            if (i >= kept.size()) {
                remove.setLong(1, row.relation());
                remove.setString(2, row.tid());
                remove.addBatch();
            } else if (!kept.get(i).equals(row.version())) {
                retag.setLong(1, kept.get(i).lsn());
                retag.setLong(2, kept.get(i).seq());
                retag.setLong(3, row.relation());
                retag.setString(4, row.tid());
                retag.addBatch();
            }
        }
    }
}
