package io.sluice.pgtask.checks;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.pg.TableName;
import io.sluice.common.state.CheckOutcomes;
import io.sluice.common.state.SnapshotRequests;
import io.sluice.common.state.StateTables;
import io.sluice.pgtask.PgTaskProperties;
import io.sluice.pgtask.runner.Job;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Compares a source table with its target copy without moving the rows: both sides are cut into buckets by a hash of
 * the key, and each bucket is summarized by its row count and an order-independent checksum (the sum of its rows'
 * hashes). A bucket that differs is cut again until it is small enough to compare key by key, listing the keys that
 * are missing, extra or different. Results go to {@code sluice.check_results} (a row per top-level bucket) and to
 * metrics; a mismatch can ask the getter for a fresh snapshot of the table.
 */
public final class DataCheck implements Job {

    /** A bucket this small is compared key by key. */
    static final long KEYWISE = 5_000;

    private final PgTaskProperties.Check config;
    private final DataSource source;
    /** The target, or the shards whose union is compared with the source. */
    private final List<DataSource> targets;

    private final DataSource state;
    private final TableName sourceTable;
    private final TableName targetTable;
    private final AtomicLong mismatchedKeys = new AtomicLong();
    private final TargetRules rules;

    public DataCheck(
            PgTaskProperties.Check config,
            DataSource source,
            DataSource target,
            DataSource state,
            MeterRegistry meters) {
        this(config, source, List.of(target), state, meters);
    }

    /** @param targets the target, or every shard of a sharded target (the source is compared with their union) */
    public DataCheck(
            PgTaskProperties.Check config,
            DataSource source,
            List<DataSource> targets,
            DataSource state,
            MeterRegistry meters) {
        if (targets.size() > 1 && (config.repair() || !config.rules().isEmpty() || config.freshnessColumn() != null)) {
            throw new IllegalStateException("check '" + config.name() + "': with shards, rules, freshness-column and"
                    + " repair are not supported yet; the check compares the source with the union of the shards");
        }
        this.config = config;
        this.source = source;
        this.targets = List.copyOf(targets);
        this.state = state;
        this.sourceTable = TableName.parse(config.table());
        this.targetTable = TableName.parse(config.targetTable() != null ? config.targetTable() : config.table());
        SluiceMetric.CHECK_MISMATCHED_KEYS
                .gauge(mismatchedKeys, AtomicLong::get)
                .tags("check", config.name(), "table", targetTable.toString())
                .strongReference(true)
                .register(meters);
        this.rules = new TargetRules(config, meters);
        if (config.repair() && config.snapshotSource() == null) {
            throw new IllegalStateException("check '" + config.name() + "': repair needs snapshot-source, the name of"
                    + " the getter's CDC source that re-reads the keys");
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String kind() {
        return "check";
    }

    @Override
    public String cron() {
        return config.cron();
    }

    @Override
    public String run(Instant now) throws Exception {
        TableSides sides = TableSides.of(config, source, sourceTable, targets.get(0), targetTable);
        // One connection to each side and to the state for the whole run, repair and its comparisons included.
        List<Connection> shards = new ArrayList<>();
        try (Connection s = sides.open(source);
                Connection records = state.getConnection()) {
            for (DataSource target : targets) {
                shards.add(sides.open(target));
            }
            Connection t = shards.get(0);
            Comparison found = compare(sides, s, shards, records);
            List<String> broken = new ArrayList<>();
            for (TargetRules.Finding finding : rules.check(s, sourceTable, t, targetTable)) {
                record(records, finding);
                if (!finding.held()) {
                    broken.add(finding.what() + " " + finding.condition() + ": " + finding.detail());
                }
            }
            mismatchedKeys.set(found.differing().size());
            String rulesDetail = broken.isEmpty() ? "" : "; " + String.join("; ", broken);
            if (found.differing().isEmpty()) {
                return CheckOutcomes.EQUAL + ": " + found.sourceRows() + " rows in " + config.chunks() + " buckets"
                        + rulesDetail;
            }
            String mismatch = found.mismatchedBuckets() + " of " + config.chunks() + CheckOutcomes.DIFFER + " (source "
                    + found.sourceRows() + " rows, target " + found.targetRows() + "); keys "
                    + found.differing().subList(0, Math.min(found.differing().size(), config.maxKeys()));
            if (config.repair()) {
                String repaired = new CheckRepair(config, sides, sourceTable, targetTable)
                        .repair(s, t, records, found.differing(), () -> {
                            Comparison again = compare(sides, s, shards, null);
                            mismatchedKeys.set(again.differing().size());
                            return again.differing();
                        });
                return mismatch + "; " + repaired + rulesDetail;
            }
            if (config.snapshotSource() != null) {
                requestSnapshot(records);
                return mismatch + "; snapshot requested" + rulesDetail;
            }
            return mismatch + rulesDetail;
        } finally {
            for (Connection shard : shards) {
                shard.close();
            }
        }
    }

    /** What one comparison found: the differing keys (at most {@code maxKeys}), in key order, and the row counts. */
    record Comparison(List<String> differing, long sourceRows, long targetRows, int mismatchedBuckets) {}

    /** Compares the two sides bucket by bucket, recording each top-level bucket in {@code records} unless null. */
    private Comparison compare(TableSides sides, Connection s, List<Connection> t, Connection records)
            throws SQLException {
        List<String> differing = new ArrayList<>();
        long sourceRows = 0;
        long targetRows = 0;
        int mismatchedBuckets = 0;
        Bucket all = new Bucket(1, 0);
        Map<Bucket, Summary> ours = sides.summarize(s, true, all, config.chunks());
        Map<Bucket, Summary> theirs = sides.summarize(t, false, all, config.chunks());
        for (Bucket bucket : all.split(config.chunks())) {
            Summary a = ours.getOrDefault(bucket, Summary.EMPTY);
            Summary b = theirs.getOrDefault(bucket, Summary.EMPTY);
            sourceRows += a.rows();
            targetRows += b.rows();
            List<String> keys = new ArrayList<>();
            if (!a.equals(b)) {
                mismatchedBuckets++;
                drill(sides, s, t, bucket, a, b, keys);
                differing.addAll(keys);
            }
            if (records != null) {
                record(records, bucket, a, b, keys);
            }
        }
        // Integer keys read best in numeric order: shorter first, then by text.
        differing.sort(java.util.Comparator.comparingInt(String::length).thenComparing(k -> k));
        return new Comparison(differing, sourceRows, targetRows, mismatchedBuckets);
    }

    /** Narrows a differing bucket down to its differing keys. */
    private void drill(
            TableSides sides,
            Connection s,
            List<Connection> t,
            Bucket bucket,
            Summary ours,
            Summary theirs,
            List<String> keys)
            throws SQLException {
        if (keys.size() >= config.maxKeys()) {
            return;
        }
        if (Math.max(ours.rows(), theirs.rows()) <= KEYWISE) {
            keys.addAll(sides.differingKeys(s, t, bucket, config.maxKeys() - keys.size()));
            return;
        }
        Map<Bucket, Summary> sourceParts = sides.summarize(s, true, bucket, 16);
        Map<Bucket, Summary> targetParts = sides.summarize(t, false, bucket, 16);
        for (Bucket part : bucket.split(16)) {
            Summary a = sourceParts.getOrDefault(part, Summary.EMPTY);
            Summary b = targetParts.getOrDefault(part, Summary.EMPTY);
            if (!a.equals(b)) {
                drill(sides, s, t, part, a, b, keys);
            }
        }
    }

    private void record(Connection c, Bucket bucket, Summary ours, Summary theirs, List<String> keys)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + StateTables.CHECK_RESULTS + " (check_name,"
                + " source_table, target_table, range_from, range_to, source_rows, target_rows, matched,"
                + " differing_keys, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, config.name());
            insert.setString(2, sourceTable.toString());
            insert.setString(3, targetTable.toString());
            insert.setString(4, "hash bucket " + bucket.remainder());
            insert.setString(5, "of " + bucket.modulus());
            insert.setLong(6, ours.rows());
            insert.setLong(7, theirs.rows());
            insert.setBoolean(8, ours.equals(theirs));
            insert.setArray(9, keys.isEmpty() ? null : c.createArrayOf("text", keys.toArray()));
            insert.setString(10, ours.equals(theirs) ? null : keys.size() + " differing keys");
            insert.executeUpdate();
        }
    }

    private void record(Connection c, TargetRules.Finding finding) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + StateTables.CHECK_RESULTS + " (check_name,"
                + " source_table, target_table, range_from, range_to, matched, detail)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, config.name());
            insert.setString(2, sourceTable.toString());
            insert.setString(3, targetTable.toString());
            insert.setString(4, finding.what());
            insert.setString(5, finding.condition());
            insert.setBoolean(6, finding.held());
            insert.setString(7, finding.detail());
            insert.executeUpdate();
        }
    }

    private void requestSnapshot(Connection c) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(SnapshotRequests.REQUEST_TABLE)) {
            insert.setString(1, config.snapshotSource());
            insert.setString(2, sourceTable.toString());
            insert.executeUpdate();
        }
    }

    /** Rows with {@code mod(hash(key), modulus) = remainder}; split into finer buckets of the same rows. */
    record Bucket(long modulus, long remainder) {
        List<Bucket> split(int ways) {
            List<Bucket> parts = new ArrayList<>(ways);
            for (int k = 0; k < ways; k++) {
                parts.add(new Bucket(modulus * ways, remainder + k * modulus));
            }
            return parts;
        }
    }

    /** A bucket's row count and checksum. */
    record Summary(long rows, String checksum) {
        static final Summary EMPTY = new Summary(0, "0");

        /** The summary of two disjoint sets of rows (two shards' parts of a bucket). */
        Summary plus(Summary other) {
            return new Summary(
                    rows + other.rows,
                    new java.math.BigInteger(checksum)
                            .add(new java.math.BigInteger(other.checksum))
                            .toString());
        }
    }
}
