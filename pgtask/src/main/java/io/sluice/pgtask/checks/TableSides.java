package io.sluice.pgtask.checks;

import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import io.sluice.common.state.TargetColumns;
import io.sluice.pgtask.PgTaskProperties;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The SQL of a data check on both sides: the compared columns (those both tables have, less Sluice's own), each
 * row's hash over them, and the hash of its key that assigns it a bucket. A target's soft-deleted rows do not count.
 */
final class TableSides {

    private final String sourceFrom;
    private final String targetFrom;
    private final String key;
    private final String rowHash;

    private TableSides(String sourceFrom, String targetFrom, String key, String rowHash) {
        this.sourceFrom = sourceFrom;
        this.targetFrom = targetFrom;
        this.key = key;
        this.rowHash = rowHash;
    }

    static TableSides of(
            PgTaskProperties.Check config,
            DataSource source,
            TableName sourceTable,
            DataSource target,
            TableName targetTable)
            throws SQLException {
        Set<String> sourceColumns = columns(source, sourceTable);
        Set<String> targetColumns = columns(target, targetTable);
        if (!sourceColumns.contains(config.key()) || !targetColumns.contains(config.key())) {
            throw new IllegalStateException("check '" + config.name() + "': key column " + config.key()
                    + " is not in both " + sourceTable + " " + sourceColumns + " and " + targetTable + " "
                    + targetColumns);
        }
        List<String> compared = new ArrayList<>();
        if (config.columns().isEmpty()) {
            sourceColumns.stream()
                    .filter(targetColumns::contains)
                    .filter(c -> !c.startsWith(TargetColumns.PREFIX))
                    .forEach(compared::add);
        } else {
            compared.addAll(config.columns());
        }
        StringBuilder row = new StringBuilder("md5(ROW(");
        for (int i = 0; i < compared.size(); i++) {
            row.append(i == 0 ? "" : ", ").append(Identifiers.quote(compared.get(i)));
        }
        row.append(")::text)");
        String targetFrom = targetTable.quoted()
                + (targetColumns.contains(TargetColumns.DELETED)
                        ? " WHERE NOT coalesce(" + Identifiers.quote(TargetColumns.DELETED) + ", false)"
                        : "");
        return new TableSides(sourceTable.quoted(), targetFrom, Identifiers.quote(config.key()), row.toString());
    }

    /** A connection for comparing: read-only, and the same time zone on both sides so values print alike. */
    Connection open(DataSource database) throws SQLException {
        Connection c = database.getConnection();
        try (Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            s.execute("SET extra_float_digits = 3");
        }
        c.setReadOnly(true);
        return c;
    }

    /**
     * The row count and the sum of the rows' hashes (a sum does not depend on row order) of each part of a bucket cut
     * {@code ways} ways, in one scan; a part without rows is absent.
     */
    Map<DataCheck.Bucket, DataCheck.Summary> summarize(
            Connection c, boolean sourceSide, DataCheck.Bucket bucket, int ways) throws SQLException {
        long modulus = bucket.modulus() * ways;
        String sql = "SELECT " + hash() + " % ? AS part, count(*), coalesce(sum(('x' || substr(" + rowHash
                + ", 1, 15))::bit(60)::bigint), 0)::text FROM " + from(sourceSide) + " " + and(sourceSide) + " "
                + hash() + " % ? = ? GROUP BY 1";
        Map<DataCheck.Bucket, DataCheck.Summary> parts = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, modulus);
            s.setLong(2, bucket.modulus());
            s.setLong(3, bucket.remainder());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    parts.put(
                            new DataCheck.Bucket(modulus, rs.getLong(1)),
                            new DataCheck.Summary(rs.getLong(2), rs.getString(3)));
                }
            }
        }
        return parts;
    }

    /** {@link #summarize} over several databases whose union is one side (a sharded target): counts and sums add. */
    Map<DataCheck.Bucket, DataCheck.Summary> summarize(
            List<Connection> union, boolean sourceSide, DataCheck.Bucket bucket, int ways) throws SQLException {
        Map<DataCheck.Bucket, DataCheck.Summary> all = new HashMap<>();
        for (Connection c : union) {
            summarize(c, sourceSide, bucket, ways)
                    .forEach((part, summary) -> all.merge(part, summary, DataCheck.Summary::plus));
        }
        return all;
    }

    /**
     * The keys of a bucket that are missing on one side or whose rows differ, at most {@code limit}; the target side is
     * the union of {@code targets}, where a key held by two of them differs.
     */
    List<String> differingKeys(Connection source, List<Connection> targets, DataCheck.Bucket bucket, int limit)
            throws SQLException {
        Map<String, String> ours = hashes(source, true, bucket);
        Map<String, String> theirs = new HashMap<>();
        for (Connection target : targets) {
            hashes(target, false, bucket).forEach((k, hash) -> theirs.merge(k, hash, (a, b) -> "on two shards"));
        }
        Set<String> keys = new LinkedHashSet<>();
        ours.forEach((k, hash) -> {
            if (!hash.equals(theirs.get(k))) {
                keys.add(k);
            }
        });
        theirs.keySet().stream().filter(k -> !ours.containsKey(k)).forEach(keys::add);
        return keys.stream().sorted().limit(limit).toList();
    }

    /** Which of {@code keys} (as text) the side has. */
    Set<String> present(Connection c, boolean sourceSide, List<String> keys) throws SQLException {
        Set<String> present = new java.util.HashSet<>();
        try (PreparedStatement s = c.prepareStatement("SELECT " + key + "::text FROM " + from(sourceSide) + " "
                + and(sourceSide) + " " + key + "::text = ANY (?)")) {
            s.setArray(1, c.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                }
            }
        }
        return present;
    }

    private Map<String, String> hashes(Connection c, boolean sourceSide, DataCheck.Bucket bucket) throws SQLException {
        Map<String, String> hashes = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT " + key + "::text, " + rowHash + " FROM "
                + from(sourceSide) + " " + and(sourceSide) + " " + hash() + " % ? = ?")) {
            s.setLong(1, bucket.modulus());
            s.setLong(2, bucket.remainder());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    hashes.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return hashes;
    }

    private String from(boolean sourceSide) {
        return sourceSide ? sourceFrom : targetFrom;
    }

    private String and(boolean sourceSide) {
        return from(sourceSide).contains(" WHERE ") ? "AND" : "WHERE";
    }

    /** A non-negative hash of the key's text, the same on both sides whatever the key's type. */
    private String hash() {
        return "(hashtext(" + key + "::text)::bigint + 2147483648)";
    }

    private static Set<String> columns(DataSource database, TableName table) throws SQLException {
        Set<String> columns = new LinkedHashSet<>();
        try (Connection c = database.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT attname FROM pg_attribute WHERE attrelid = "
                        + "to_regclass(?) AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
            s.setString(1, table.quoted());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        if (columns.isEmpty()) {
            throw new IllegalStateException(table + " does not exist");
        }
        return columns;
    }
}
