package io.sluice.loader;

import io.sluice.common.batch.Column;
import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import io.sluice.loader.TableRule.DeleteMode;
import io.sluice.loader.TableRule.WriteMode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes target tables fit the batches before rows are merged: creates missing tables, adds new columns, and stops a
 * table whose source changed a column's type or the key, recording why in {@code sluice.target_tables}. DDL runs in its
 * own short transaction under an advisory lock, so that concurrent loaders do not race; a checked shape is cached.
 */
final class TargetTables {

    private static final Logger log = LoggerFactory.getLogger(TargetTables.class);

    private final DataSource dataSource;
    private final boolean createTables;
    private final Map<String, TargetTable> checked = new ConcurrentHashMap<>();
    private final TargetTypes types = new TargetTypes();

    TargetTables(DataSource dataSource, boolean createTables) {
        this.dataSource = dataSource;
        this.createTables = createTables;
    }

    /** The target table ready for rows of these source columns; throws {@link SchemaConflictException} if it cannot be. */
    TargetTable prepare(TargetSpec spec, List<Column> sourceColumns) throws SQLException {
        List<Column> columns = spec.targetColumns(sourceColumns);
        String shape = spec + "|" + columns;
        TargetTable known = checked.get(shape);
        if (known != null) {
            return known;
        }
        TargetTable table;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                table = prepare(connection, spec, columns);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        checked.put(shape, table);
        return table;
    }

    /** Forgets what was checked, e.g. after a write failed because someone altered a table. */
    void forget() {
        checked.clear();
    }

    private TargetTable prepare(Connection connection, TargetSpec spec, List<Column> columns) throws SQLException {
        String name = spec.table().toString();
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, "sluice.target_tables:" + name);
            lock.execute();
        }
        checkAgainstRegistry(connection, name, columns);
        Map<String, String> existing = targetColumns(connection, spec.table());
        if (existing.isEmpty()) {
            if (!createTables) {
                throw new SchemaConflictException(
                        "target table " + name + " does not exist and " + "sluice.loader.create-tables is false");
            }
            create(connection, spec, columns);
        } else {
            addMissingColumns(connection, spec, columns, existing);
        }
        Set<String> targetColumns = targetColumns(connection, spec.table()).keySet();
        checkUniqueKey(connection, spec, columns);
        register(connection, name, columns);
        return new TargetTable(spec, columns, Set.copyOf(targetColumns));
    }

    private void checkAgainstRegistry(Connection connection, String name, List<Column> columns) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT column_names, column_types, key_columns,"
                + " stopped FROM sluice.target_tables WHERE target_table = ?")) {
            query.setString(1, name);
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                if (rs.getString(4) != null) {
                    throw new SchemaConflictException("loading into " + name + " is stopped: " + rs.getString(4)
                            + " (fix the target, then clear sluice.target_tables.stopped to resume)");
                }
                List<String> names = strings(rs.getArray(1));
                List<String> types = strings(rs.getArray(2));
                Set<String> keys = new LinkedHashSet<>(strings(rs.getArray(3)));
                String reason = null;
                for (Column column : columns) {
                    int at = names.indexOf(column.name());
                    if (at >= 0 && !types.get(at).equals(column.type())) {
                        reason = "column " + column.name() + " changed type from " + types.get(at) + " to "
                                + column.type();
                    }
                }
                Set<String> incomingKeys = columns.stream()
                        .filter(Column::key)
                        .map(Column::name)
                        .collect(Collectors.toCollection(LinkedHashSet::new));
                if (reason == null && !keys.equals(incomingKeys)) {
                    reason = "the key changed from " + keys + " to " + incomingKeys;
                }
                if (reason != null) {
                    stop(name, reason);
                    throw new SchemaConflictException("loading into " + name + " is stopped: " + reason);
                }
            }
        }
    }

    /** Records a stop in its own transaction, so that it stays when the caller's rolls back. */
    private void stop(String name, String reason) throws SQLException {
        log.error("stopping loads into {}: {}", name, reason);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement(
                        "UPDATE sluice.target_tables SET stopped = ?, updated_at = now() WHERE target_table = ?")) {
            update.setString(1, reason);
            update.setString(2, name);
            update.executeUpdate();
        }
    }

    private void register(Connection connection, String name, List<Column> columns) throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT column_names, column_types FROM sluice.target_tables" + " WHERE target_table = ?")) {
            query.setString(1, name);
            try (ResultSet rs = query.executeQuery()) {
                if (rs.next()) {
                    List<String> names = strings(rs.getArray(1));
                    List<String> known = strings(rs.getArray(2));
                    for (int i = 0; i < names.size(); i++) {
                        types.put(names.get(i), known.get(i));
                    }
                }
            }
        }
        for (Column column : columns) {
            types.put(column.name(), column.type());
            if (column.key()) {
                keys.add(column.name());
            }
        }
        try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO sluice.target_tables"
                + " (target_table, column_names, column_types, key_columns) VALUES (?, ?, ?, ?)"
                + " ON CONFLICT (target_table) DO UPDATE SET column_names = EXCLUDED.column_names,"
                + " column_types = EXCLUDED.column_types, key_columns = EXCLUDED.key_columns, updated_at = now()")) {
            upsert.setString(1, name);
            upsert.setArray(2, connection.createArrayOf("text", types.keySet().toArray()));
            upsert.setArray(3, connection.createArrayOf("text", types.values().toArray()));
            upsert.setArray(4, connection.createArrayOf("text", keys.toArray()));
            upsert.executeUpdate();
        }
    }

    private void create(Connection connection, TargetSpec spec, List<Column> columns) throws SQLException {
        List<String> definitions = new ArrayList<>();
        for (Column column : columns) {
            definitions.add(Identifiers.quote(column.name()) + " " + types.inTarget(connection, column.type()));
        }
        definitions.addAll(metaColumns(spec));
        List<String> keys =
                columns.stream().filter(Column::key).map(Column::name).collect(Collectors.toList());
        if (spec.mode() == WriteMode.HISTORY) {
            keys.addAll(List.of(TargetTable.LSN, TargetTable.SEQ));
        }
        if (spec.mode() == WriteMode.UPSERT || spec.mode() == WriteMode.HISTORY) {
            definitions.add("PRIMARY KEY (" + quoted(keys) + ")");
        }
        String ddl = "CREATE TABLE " + spec.table().quoted() + " (" + String.join(", ", definitions) + ")";
        log.info("creating target table: {}", ddl);
        createSchemaIfMissing(connection, spec.table().schema());
        try (Statement s = connection.createStatement()) {
            s.execute(ddl);
            if (spec.mode() == WriteMode.APPEND || spec.mode() == WriteMode.MULTISET) {
                // Redelivered changes are recognised by their version.
                s.execute("CREATE INDEX ON " + spec.table().quoted() + " (" + Identifiers.quote(TargetTable.LSN) + ", "
                        + Identifiers.quote(TargetTable.SEQ) + ")");
            }
        }
        if (spec.distributeBy() != null) {
            distribute(connection, spec);
        }
    }

    private static List<String> metaColumns(TargetSpec spec) {
        List<String> meta = new ArrayList<>(List.of(
                Identifiers.quote(TargetTable.LSN) + " int8 NOT NULL DEFAULT 0",
                Identifiers.quote(TargetTable.SEQ) + " int8 NOT NULL DEFAULT 0"));
        switch (spec.mode()) {
            case APPEND -> meta.add(Identifiers.quote(TargetTable.OP) + " char(1)");
            case MULTISET -> {}
            case HISTORY -> {
                meta.add(Identifiers.quote(TargetTable.VALID_FROM) + " timestamptz");
                meta.add(Identifiers.quote(TargetTable.VALID_TO) + " timestamptz");
                meta.add(Identifiers.quote(TargetTable.DELETED) + " boolean NOT NULL DEFAULT false");
            }
            case UPSERT -> {
                if (spec.deletes() == DeleteMode.SOFT) {
                    meta.add(Identifiers.quote(TargetTable.DELETED) + " boolean NOT NULL DEFAULT false");
                }
            }
        }
        return meta;
    }

    private void distribute(Connection connection, TargetSpec spec) throws SQLException {
        try (PreparedStatement citus =
                connection.prepareStatement("SELECT 1 FROM pg_extension WHERE extname = 'citus'")) {
            try (ResultSet rs = citus.executeQuery()) {
                if (!rs.next()) {
                    throw new SchemaConflictException(
                            "distribute-by is set for " + spec.table() + " but the target has no Citus extension");
                }
            }
        }
        try (PreparedStatement distribute = connection.prepareStatement("SELECT create_distributed_table(?, ?)")) {
            distribute.setString(1, spec.table().quoted());
            distribute.setString(2, spec.distributeBy());
            distribute.execute();
        }
    }

    private void addMissingColumns(
            Connection connection, TargetSpec spec, List<Column> columns, Map<String, String> existing)
            throws SQLException {
        List<String> additions = new ArrayList<>();
        for (Column column : columns) {
            if (!existing.containsKey(column.name())) {
                additions.add(Identifiers.quote(column.name()) + " " + types.inTarget(connection, column.type()));
            }
        }
        for (String meta : metaColumns(spec)) {
            String metaName = meta.substring(0, meta.indexOf(' '));
            if (existing.keySet().stream().map(Identifiers::quote).noneMatch(metaName::equals)) {
                additions.add(meta);
            }
        }
        if (additions.isEmpty()) {
            return;
        }
        String ddl = "ALTER TABLE " + spec.table().quoted() + " "
                + additions.stream().map(a -> "ADD COLUMN " + a).collect(Collectors.joining(", "));
        log.info("adding columns to the target: {}", ddl);
        try (Statement s = connection.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '10s'");
            s.execute(ddl);
        }
    }

    /** An upsert needs a unique index on exactly the key (history: the key and the version). */
    private static void checkUniqueKey(Connection connection, TargetSpec spec, List<Column> columns)
            throws SQLException {
        if (spec.mode() == WriteMode.APPEND || spec.mode() == WriteMode.MULTISET) {
            return;
        }
        Set<String> wanted =
                columns.stream().filter(Column::key).map(Column::name).collect(Collectors.toSet());
        if (spec.mode() == WriteMode.HISTORY) {
            wanted.addAll(List.of(TargetTable.LSN, TargetTable.SEQ));
        }
        try (PreparedStatement query = connection.prepareStatement("SELECT array_agg(a.attname::text) FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indpred IS NULL GROUP BY i.indexrelid")) {
            query.setString(1, spec.table().quoted());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    if (new HashSet<>(strings(rs.getArray(1))).equals(wanted)) {
                        return;
                    }
                }
            }
        }
        throw new SchemaConflictException("target table " + spec.table() + " has no primary key or unique index on "
                + wanted + ", which " + spec.mode().name().toLowerCase() + " mode needs");
    }

    /** Column name → type of a table, empty if it does not exist. */
    private static Map<String, String> targetColumns(Connection connection, TableName table) throws SQLException {
        Map<String, String> columns = new LinkedHashMap<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT attname, format_type(atttypid, atttypmod)"
                + " FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped"
                + " ORDER BY attnum")) {
            query.setString(1, table.quoted());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), rs.getString(2));
                }
            }
        }
        return columns;
    }

    /**
     * Creates the schema only when it is missing: {@code CREATE SCHEMA IF NOT EXISTS} asks for the database's CREATE
     * privilege even when the schema exists, which a least-privilege loader role does not have.
     */
    private static void createSchemaIfMissing(Connection connection, String schema) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            query.setString(1, schema);
            try (ResultSet rs = query.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
        }
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + Identifiers.quote(schema));
        }
    }

    private static String quoted(List<String> names) {
        return names.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
    }

    private static List<String> strings(Array array) throws SQLException {
        return array == null
                ? List.of()
                : Arrays.stream((Object[]) array.getArray())
                        .map(Objects::toString)
                        .toList();
    }
}
