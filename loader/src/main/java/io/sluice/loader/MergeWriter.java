package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Version;
import io.sluice.common.pg.TableName;
import io.sluice.loader.Sink.Refused;
import io.sluice.loader.Sink.Result;
import io.sluice.loader.TableRule.WriteMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies batches to the target: each is resolved to its target table (refused with the reason if the table is not
 * allowed or a name or type cannot be DDL, else created or altered to fit), then grouped per table and column shape and merged in target-name order (so that concurrent loaders lock
 * tables in the same order), up to {@code maxRows} rows per transaction. Returns only after COMMIT, so the caller
 * acknowledges only what is durable.
 */
public class MergeWriter {

    private record Prepared(TargetTable table, ChangeBatch batch) {}

    private static final Logger log = LoggerFactory.getLogger(MergeWriter.class);
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String FEATURE_NOT_SUPPORTED = "0A000";

    private final DataSource dataSource;
    private final TableRules rules;
    private final TargetTables tables;
    private final TargetAllowList allowList;
    private final int maxRows;
    private final MergeStrategy strategy;
    /** The strategy on this target: {@link MergeStrategy#AUTO} resolved on the first write. */
    private volatile MergeStrategy resolved;
    /** Tables {@code MERGE} refused (rules, a foreign table): merged with {@code ON CONFLICT} from then on. */
    private final Set<TableName> refusingMerge = ConcurrentHashMap.newKeySet();

    MergeWriter(DataSource dataSource, TableRules rules, TargetTables tables, TargetAllowList allowList, int maxRows) {
        this(dataSource, rules, tables, allowList, maxRows, MergeStrategy.AUTO);
    }

    MergeWriter(
            DataSource dataSource,
            TableRules rules,
            TargetTables tables,
            TargetAllowList allowList,
            int maxRows,
            MergeStrategy strategy) {
        this.strategy = strategy;
        this.dataSource = dataSource;
        this.rules = rules;
        this.tables = tables;
        this.allowList = allowList;
        this.maxRows = maxRows;
    }

    public Result write(List<ChangeBatch> batches) throws SQLException {
        List<Prepared> prepared = new ArrayList<>();
        List<Refused> refused = new ArrayList<>();
        for (ChangeBatch batch : batches) {
            try {
                TargetSpec spec =
                        rules.resolve(batch.table(), batch.keyIndexes().length > 0, batch.origin() != Origin.FILE);
                if (spec.mode() == WriteMode.MULTISET && batch.rows().stream().anyMatch(r -> r.op() == Op.UPDATE)) {
                    throw new SchemaConflictException(batch.table() + " is keyless: a multiset target takes an update"
                            + " as the delete of the old row and the insert of the new one, but this batch holds"
                            + " updates without their old rows (from a getter older than the loader?)");
                }
                String refusal = allowList.refusal(spec.table());
                if (refusal != null) {
                    throw new SchemaConflictException(refusal);
                }
                BatchValidation.check(spec.table(), spec.targetColumns(batch.columns())); // before any SQL
                TargetTable table = tables.prepare(spec, batch.columns());
                if (!batch.rows().isEmpty()) {
                    prepared.add(new Prepared(table, batch));
                }
            } catch (SchemaConflictException e) {
                refused.add(new Refused(batch, e.getMessage()));
            }
        }
        Result result = new Result(Map.of(), refused);
        List<Prepared> transaction = new ArrayList<>();
        int rows = 0;
        for (Prepared p : prepared) {
            if (rows > 0 && rows + p.batch().rows().size() > maxRows) {
                result = result.merge(writeInOneTransaction(transaction));
                transaction = new ArrayList<>();
                rows = 0;
            }
            transaction.add(p);
            rows += p.batch().rows().size();
        }
        if (!transaction.isEmpty()) {
            result = result.merge(writeInOneTransaction(transaction));
        }
        return result;
    }

    private Result writeInOneTransaction(List<Prepared> prepared) throws SQLException {
        try {
            return writeInOneTransaction(prepared, false);
        } catch (SQLException e) {
            // MERGE cannot wait out a concurrent inserter of a key as ON CONFLICT does, nor write every kind of table.
            boolean mergeRefused = FEATURE_NOT_SUPPORTED.equals(e.getSQLState()) && !refusingMerge.isEmpty();
            if (resolved != MergeStrategy.MERGE || !(UNIQUE_VIOLATION.equals(e.getSQLState()) || mergeRefused)) {
                throw e;
            }
            log.debug("MERGE met a concurrent insert or a table it cannot write: written again with ON CONFLICT", e);
            return writeInOneTransaction(prepared, true);
        }
    }

    private Result writeInOneTransaction(List<Prepared> prepared, boolean onConflict) throws SQLException {
        Map<String, List<Prepared>> groups = new TreeMap<>();
        for (Prepared p : prepared) {
            groups.computeIfAbsent(p.table().name() + "|" + p.table().columns(), k -> new ArrayList<>())
                    .add(p);
        }
        Map<TableName, Integer> written = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection()) {
            MergeStrategy chosen = onConflict ? MergeStrategy.ON_CONFLICT : resolve(connection);
            connection.setAutoCommit(false);
            try {
                int index = 0;
                for (List<Prepared> group : groups.values()) {
                    TargetTable table = group.get(0).table();
                    List<ChangeBatch> batches =
                            group.stream().map(Prepared::batch).toList();
                    written.merge(table.name(), merge(connection, table, batches, index++, chosen), Integer::sum);
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                tables.forget(); // someone may have altered a table under us: check again next time
                throw e;
            }
        }
        return new Result(written, List.of());
    }

    /** The configured strategy, {@link MergeStrategy#AUTO} resolved on the target once. */
    private MergeStrategy resolve(Connection connection) throws SQLException {
        MergeStrategy known = resolved;
        if (known != null) {
            return known;
        }
        known = strategy;
        if (strategy == MergeStrategy.AUTO) {
            boolean citus;
            try (Statement query = connection.createStatement();
                    ResultSet rs =
                            query.executeQuery("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')")) {
                rs.next();
                citus = rs.getBoolean(1);
            }
            known = connection.getMetaData().getDatabaseMajorVersion() >= 15 && !citus
                    ? MergeStrategy.MERGE
                    : MergeStrategy.ON_CONFLICT;
            log.info("upsert tables are merged with {} (sluice.loader.merge=auto)", known);
        }
        resolved = known;
        return known;
    }

    private int merge(
            Connection connection, TargetTable table, List<ChangeBatch> batches, int index, MergeStrategy strategy)
            throws SQLException {
        boolean portable = strategy == MergeStrategy.PORTABLE && table.spec().mode() == WriteMode.UPSERT;
        boolean multiset = table.spec().mode() == WriteMode.MULTISET;
        Optional<Version> truncation = Truncations.newest(batches);
        if (truncation.isPresent() && !table.spec().truncate()) {
            log.warn(
                    "TRUNCATE of {} is not applied to {} (set truncate: true in its table rule to propagate it)",
                    batches.get(0).table(),
                    table.name());
            truncation = Optional.empty();
        }
        if (multiset) {
            Optional<Version> resync = Truncations.newestResync(batches);
            if (resync.isPresent() && (truncation.isEmpty() || resync.get().compareTo(truncation.get()) > 0)) {
                truncation = resync;
            }
        }
        Staging staging = Staging.load(connection, table, batches, index);
        boolean alone = MergeLock.acquire(connection, table, staging, truncation.isPresent() || portable);
        if (truncation.isPresent()) {
            Truncations.apply(connection, table, truncation.get());
        }
        if (table.spec().truncate() || multiset) {
            Truncations.discardOlderRows(connection, table, staging);
        }
        switch (table.spec().mode()) {
            case UPSERT -> {
                if (portable) {
                    PortableMerge.merge(connection, table, staging);
                } else if (strategy == MergeStrategy.MERGE && !refusingMerge.contains(table.name())) {
                    mergeCommand(connection, table, staging, !alone);
                } else {
                    UpsertMerge.merge(connection, table, staging);
                }
            }
            case APPEND -> AppendMerge.merge(connection, table, staging);
            case HISTORY -> HistoryMerge.merge(connection, table, staging);
            case MULTISET -> MultisetMerge.merge(connection, table, staging);
        }
        return (int) batches.stream()
                .flatMap(b -> b.rows().stream())
                .filter(r -> r.op() != Op.TRUNCATE)
                .count();
    }

    private void mergeCommand(Connection connection, TargetTable table, Staging staging, boolean shared)
            throws SQLException {
        try {
            MergeCommand.merge(connection, table, staging, shared);
        } catch (SQLException e) {
            if (FEATURE_NOT_SUPPORTED.equals(e.getSQLState()) && refusingMerge.add(table.name())) {
                log.info(
                        "{} cannot be written by MERGE ({}): it is merged with ON CONFLICT",
                        table.name(),
                        e.getMessage());
            }
            throw e;
        }
    }
}
