package io.sluice.getter.cdc;

import io.sluice.common.pg.TableName;
import io.sluice.common.pg.TablePattern;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of a source's tables are captured, decided from its catalog: those matching the include patterns (all tables
 * when none are given) and no exclude pattern — never Sluice's own schema or the system's — and only if the
 * publication can carry their updates and deletes. A table without a primary key or replica identity would make the
 * application's own UPDATE and DELETE fail once published, so the source's {@code keyless} policy decides: skip it
 * (the default), set {@code REPLICA IDENTITY FULL}, or refuse to start.
 */
final class CaptureSet {

    /** A table the catalog shows, with what makes its changes publishable. */
    record Candidate(TableName table, boolean partitionedParent, boolean publishable, boolean owned) {}

    /** The tables to publish, the keyless ones left out (with why), and the ones to give REPLICA IDENTITY FULL. */
    record Decision(List<TableName> capture, Map<TableName, String> skipped, List<TableName> makeFull) {}

    private final List<TablePattern> include;
    private final List<TablePattern> exclude;
    private final CdcProperties.Keyless keyless;

    CaptureSet(CdcProperties.Source source) {
        this.include = source.tables().stream().map(TablePattern::of).toList();
        this.exclude = source.exclude().stream().map(TablePattern::of).toList();
        this.keyless = source.keyless();
    }

    /** The source's user tables: plain tables and partitions (whose changes pgoutput sends), and partitioned parents. */
    static List<Candidate> candidates(Connection connection) throws SQLException {
        String sql = "SELECT n.nspname, c.relname, c.relkind = 'p',"
                + " c.relkind = 'p' OR c.relreplident = 'f'"
                + "   OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid"
                + "     AND i.indisprimary))"
                + "   OR (c.relreplident = 'i' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid"
                + "     AND i.indisreplident)),"
                + " pg_has_role(c.relowner, 'USAGE')"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'p'"
                + " AND n.nspname <> 'sluice' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
                + " ORDER BY 1, 2";
        try (PreparedStatement query = connection.prepareStatement(sql);
                ResultSet rs = query.executeQuery()) {
            List<Candidate> candidates = new ArrayList<>();
            while (rs.next()) {
                candidates.add(new Candidate(
                        new TableName(rs.getString(1), rs.getString(2)),
                        rs.getBoolean(3),
                        rs.getBoolean(4),
                        rs.getBoolean(5)));
            }
            return candidates;
        }
    }

    /**
     * What to capture of these candidates. Without include patterns every plain table and partition is a candidate (as
     * a publication for all tables would publish them); a partitioned parent only when a pattern names it exactly.
     */
    Decision decide(List<Candidate> candidates) {
        List<TableName> capture = new ArrayList<>();
        Map<TableName, String> skipped = new LinkedHashMap<>();
        List<TableName> makeFull = new ArrayList<>();
        for (Candidate candidate : candidates) {
            TableName table = candidate.table();
            if (!included(candidate) || exclude.stream().anyMatch(p -> p.matches(table))) {
                continue;
            }
            if (candidate.publishable()) {
                capture.add(table);
                continue;
            }
            String fix = "ALTER TABLE " + table.quoted() + " REPLICA IDENTITY FULL";
            switch (keyless) {
                case SKIP ->
                    skipped.put(
                            table,
                            "no primary key or replica identity: publishing it would make its UPDATE and DELETE fail"
                                    + " (to capture it, add a primary key or run " + fix + ")");
                case FULL -> {
                    if (!candidate.owned()) {
                        throw new IllegalStateException("keyless: full, but the capture role does not own " + table
                                + ": as its owner, run " + fix);
                    }
                    makeFull.add(table);
                    capture.add(table);
                }
                case FAIL -> skipped.put(table, "no primary key or replica identity (" + fix + ")");
            }
        }
        if (keyless == CdcProperties.Keyless.FAIL && !skipped.isEmpty()) {
            throw new IllegalStateException("keyless: fail, and these tables have no primary key or replica identity: "
                    + skipped.keySet() + "; give them one, exclude them, or set keyless: skip");
        }
        return new Decision(capture, skipped, makeFull);
    }

    private boolean included(Candidate candidate) {
        if (include.isEmpty()) {
            return !candidate.partitionedParent();
        }
        for (TablePattern pattern : include) {
            boolean literal = pattern.glob().indexOf('*') < 0 && pattern.glob().indexOf('?') < 0;
            if (pattern.matches(candidate.table()) && (literal || !candidate.partitionedParent())) {
                return true;
            }
        }
        return false;
    }
}
