package io.sluice.pgtask.checks;

import io.sluice.common.pg.TableName;
import io.sluice.common.state.SnapshotRequests;
import io.sluice.common.state.StateTables;
import io.sluice.pgtask.PgTaskProperties;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data check's repair: asks the getter to re-read the differing keys (a repair request in {@code
 * sluice.snapshot_requests}), waits until the getter has sent them, then compares again until those keys agree or the
 * timeout passes, and records the outcome with its counts in {@code sluice.check_results}.
 */
final class CheckRepair {

    private static final Logger log = LoggerFactory.getLogger(CheckRepair.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final PgTaskProperties.Check config;
    private final TableSides sides;
    private final TableName sourceTable;
    private final TableName targetTable;

    CheckRepair(PgTaskProperties.Check config, TableSides sides, TableName sourceTable, TableName targetTable) {
        this.config = config;
        this.sides = sides;
        this.sourceTable = sourceTable;
        this.targetTable = targetTable;
    }

    /**
     * Repairs {@code keys} through the check's connections to the source, the target and the state database;
     * {@code compare} lists the keys that differ now. What happened, in a sentence.
     */
    String repair(
            Connection source, Connection target, Connection state, List<String> keys, Callable<List<String>> compare)
            throws Exception {
        Set<String> inSource = sides.present(source, true, keys);
        Set<String> inTarget = sides.present(target, false, keys);
        long missing = keys.stream()
                .filter(k -> inSource.contains(k) && !inTarget.contains(k))
                .count();
        long extra = keys.stream().filter(k -> !inSource.contains(k)).count();
        long changed = keys.size() - missing - extra;
        String counts = missing + " missing and " + changed + " changed rows re-sent, " + extra + " extra rows deleted";
        long deadline = System.nanoTime() + config.repairTimeout().toNanos();
        long request = request(state, keys);
        while (requested(state, request)) {
            if (System.nanoTime() - deadline > 0) {
                String detail = "repair of " + keys.size() + " keys not taken up by getter source '"
                        + config.snapshotSource() + "' within " + config.repairTimeout() + " (is it streaming?)";
                record(state, false, keys, detail);
                return detail;
            }
            Thread.sleep(POLL.toMillis());
        }
        Set<String> repaired = new HashSet<>(keys);
        List<String> left = stillDiffering(compare.call(), repaired);
        while (!left.isEmpty() && System.nanoTime() - deadline < 0) {
            Thread.sleep(POLL.toMillis()); // the loader merges what the getter sent; compare again until it has
            left = stillDiffering(compare.call(), repaired);
        }
        String detail = left.isEmpty()
                ? "repaired: " + counts + "; those keys now equal"
                : "repair sent (" + counts + "), but " + left.size() + " of those keys still differ after "
                        + config.repairTimeout() + ": " + left.subList(0, Math.min(left.size(), config.maxKeys()));
        record(state, left.isEmpty(), left, detail);
        log.info("check {}: {}", config.name(), detail);
        return detail;
    }

    private static List<String> stillDiffering(List<String> differing, Set<String> repaired) {
        List<String> left = new ArrayList<>();
        for (String key : differing) {
            if (repaired.contains(key)) {
                left.add(key);
            }
        }
        return left;
    }

    private long request(Connection c, List<String> keys) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(SnapshotRequests.REQUEST_REPAIR)) {
            insert.setString(1, config.snapshotSource());
            insert.setString(2, sourceTable.toString());
            insert.setString(3, config.key());
            insert.setArray(4, c.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private boolean requested(Connection c, long request) throws SQLException {
        try (PreparedStatement query = c.prepareStatement(SnapshotRequests.WAITING)) {
            query.setLong(1, request);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void record(Connection c, boolean matched, List<String> keys, String detail) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + StateTables.CHECK_RESULTS + " (check_name,"
                + " source_table, target_table, range_from, range_to, matched, differing_keys, detail)"
                + " VALUES (?, ?, ?, 'repair', ?, ?, ?, ?)")) {
            insert.setString(1, config.name());
            insert.setString(2, sourceTable.toString());
            insert.setString(3, targetTable.toString());
            insert.setString(4, matched ? "repaired" : "not repaired");
            insert.setBoolean(5, matched);
            insert.setArray(6, keys.isEmpty() ? null : c.createArrayOf("text", keys.toArray()));
            insert.setString(7, detail);
            insert.executeUpdate();
        }
    }
}
