package io.sluice.getter.cdc;

import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a source's publication equal to its capture set: created for exactly those tables (never {@code FOR ALL
 * TABLES}, which would break the application's updates of keyless tables), new matching tables added while running,
 * unsafe or excluded ones dropped, and excluded columns left out through column lists (PostgreSQL 15+), so their values
 * never leave the source. Where the capture role may not change the publication, the table is reported with the exact
 * statement its owner must run, and capture goes on with what is published.
 */
final class Publication {

    private static final Logger log = LoggerFactory.getLogger(Publication.class);
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    /** What a sync did: tables newly published (their existing rows need a snapshot) and tables left out, with why. */
    record Synced(List<TableName> added, Map<TableName, String> skipped) {}

    private final CdcProperties.Source source;
    private final Connection connection;
    private final String name;

    Publication(CdcProperties.Source source, Connection connection) {
        this.source = source;
        this.connection = connection;
        this.name = Identifiers.quote(source.publication());
    }

    Synced sync(CaptureSet captureSet) throws SQLException {
        CaptureSet.Decision decision = captureSet.decide(CaptureSet.candidates(connection));
        Map<TableName, String> skipped = new LinkedHashMap<>(decision.skipped());
        for (TableName table : decision.makeFull()) {
            execute("ALTER TABLE " + table.quoted() + " REPLICA IDENTITY FULL");
            log.warn("source {}: set REPLICA IDENTITY FULL on {} (keyless: full)", source.name(), table);
        }
        Map<TableName, List<String>> columnLists = columnLists(decision.capture());
        Boolean allTables = allTables(); // one look at the catalog: missing, FOR ALL TABLES, or a table list
        if (allTables == null) {
            String tables = decision.capture().stream()
                    .map(t -> t.quoted() + columnList(columnLists.get(t)))
                    .collect(Collectors.joining(", "));
            execute("CREATE PUBLICATION " + name + (tables.isEmpty() ? "" : " FOR TABLE " + tables)
                    + (publishesGenerated(connection) ? " WITH (publish_generated_columns = stored)" : ""));
            log.info(
                    "source {}: created publication {} for {}",
                    source.name(),
                    source.publication(),
                    decision.capture());
            return new Synced(List.of(), skipped); // a new slot snapshots every published table anyway
        }
        if (allTables) {
            log.warn(
                    "source {}: publication {} is FOR ALL TABLES, so it publishes every table, keyless ones too (whose"
                            + " UPDATE and DELETE then fail in the application): recreate it FOR TABLE, or let Sluice create it",
                    source.name(),
                    source.publication());
            return new Synced(List.of(), skipped);
        }
        publishGeneratedColumns();
        Map<TableName, List<String>> published = published();
        List<TableName> added = new ArrayList<>();
        for (TableName table : decision.capture()) {
            List<String> columns = columnLists.get(table);
            if (!published.containsKey(table)) {
                if (alter("ADD TABLE " + table.quoted() + columnList(columns), table, skipped)) {
                    added.add(table);
                }
            } else if (columns != null && !columns.equals(published.get(table))) {
                // A new column list: drop and add in one transaction, so no change falls between.
                alterColumns(table, columns, skipped);
            }
        }
        for (TableName table : published.keySet()) {
            if (!decision.capture().contains(table) && !isPartitionOfCaptured(table, decision.capture())) {
                alter("DROP TABLE " + table.quoted(), table, skipped);
                log.warn(
                        "source {}: dropped {} from publication {}: {}",
                        source.name(),
                        table,
                        source.publication(),
                        skipped.getOrDefault(table, "no longer in the capture set"));
            }
        }
        return new Synced(added, skipped);
    }

    /**
     * Whether the server can publish stored generated columns (PostgreSQL 18+): the snapshot reads them, and the
     * publication must send them, or streamed rows would lack the values the snapshot's have.
     */
    static boolean publishesGenerated(Connection connection) throws SQLException {
        return connection.getMetaData().getDatabaseMajorVersion() >= 18;
    }

    /** On 18+, a publication made before (or by someone else) is set to send stored generated columns too. */
    private void publishGeneratedColumns() throws SQLException {
        if (!publishesGenerated(connection)) {
            return;
        }
        try (PreparedStatement query =
                connection.prepareStatement("SELECT pubgencols::text FROM pg_publication WHERE pubname = ?")) {
            query.setString(1, source.publication());
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.next() || "s".equals(rs.getString(1))) {
                    return;
                }
            }
        }
        String sql = "ALTER PUBLICATION " + name + " SET (publish_generated_columns = stored)";
        try {
            execute(sql);
            log.info("source {}: {}", source.name(), sql);
        } catch (SQLException e) {
            if (!INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                throw e;
            }
            log.error(
                    "source {}: generated columns will arrive NULL in streamed rows: the capture role may not"
                            + " change publication {}; as its owner, run {}",
                    source.name(),
                    source.publication(),
                    sql);
        }
    }

    /** Each captured table with excluded columns: the columns to publish (its others; generated ones before 18). */
    private Map<TableName, List<String>> columnLists(List<TableName> tables) throws SQLException {
        Map<TableName, List<String>> lists = new LinkedHashMap<>();
        Map<String, List<String>> excluded = source.excludeColumns();
        if (excluded.isEmpty()) {
            return lists;
        }
        if (connection.getMetaData().getDatabaseMajorVersion() < 15) {
            throw new IllegalStateException("exclude-columns of source " + source.name() + " needs PostgreSQL 15 or"
                    + " newer (publication column lists), so that excluded values never leave the source");
        }
        for (TableName table : tables) {
            List<String> drop = excluded.get(table.toString());
            if (drop == null || drop.isEmpty()) {
                continue;
            }
            List<String> keep = new ArrayList<>();
            try (PreparedStatement query = connection.prepareStatement("SELECT a.attname, a.attnum = ANY (coalesce("
                    + " (SELECT i.indkey::int2[] FROM pg_index i WHERE i.indrelid = a.attrelid"
                    + "  AND (i.indisreplident OR i.indisprimary) ORDER BY i.indisreplident DESC LIMIT 1), '{}'))"
                    + " FROM pg_attribute a WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped"
                    + " AND (a.attgenerated = '' OR (? AND a.attgenerated = 's')) ORDER BY a.attnum")) {
                query.setString(1, table.quoted());
                query.setBoolean(2, publishesGenerated(connection));
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        String column = rs.getString(1);
                        if (!drop.contains(column)) {
                            keep.add(column);
                        } else if (rs.getBoolean(2)) {
                            throw new IllegalStateException("exclude-columns of source " + source.name() + ": " + column
                                    + " is part of the key of " + table + ", which every change must carry");
                        }
                    }
                }
            }
            lists.put(table, keep);
        }
        return lists;
    }

    private void alterColumns(TableName table, List<String> columns, Map<TableName, String> skipped)
            throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            execute("ALTER PUBLICATION " + name + " DROP TABLE " + table.quoted());
            execute("ALTER PUBLICATION " + name + " ADD TABLE " + table.quoted() + columnList(columns));
            connection.commit();
            log.info("source {}: {} now published with columns {}", source.name(), table, columns);
        } catch (SQLException e) {
            connection.rollback();
            refused(
                    e,
                    "ALTER PUBLICATION " + name + " SET TABLE … " + table.quoted() + columnList(columns),
                    table,
                    skipped);
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** Alters the publication; false (the table reported with the statement its owner must run) if not allowed. */
    private boolean alter(String change, TableName table, Map<TableName, String> skipped) throws SQLException {
        String sql = "ALTER PUBLICATION " + name + " " + change;
        try {
            execute(sql);
            log.info("source {}: {}", source.name(), sql);
            return true;
        } catch (SQLException e) {
            refused(e, sql, table, skipped);
            return false;
        }
    }

    private void refused(SQLException e, String sql, TableName table, Map<TableName, String> skipped)
            throws SQLException {
        if (!INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
            throw e;
        }
        String reason = "the capture role may not change publication " + source.publication() + ": as the owner of "
                + table + ", run " + sql;
        skipped.putIfAbsent(table, reason);
        log.error("source {}: {}", source.name(), reason);
    }

    private boolean isPartitionOfCaptured(TableName table, List<TableName> captured) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT n.nspname, p.relname FROM pg_inherits i"
                + " JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace"
                + " WHERE i.inhrelid = ?::regclass")) {
            query.setString(1, table.quoted());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    TableName parent = new TableName(rs.getString(1), rs.getString(2));
                    if (captured.contains(parent) || isPartitionOfCaptured(parent, captured)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Published tables with their column lists (null: all columns), as pg_publication_tables shows them. */
    private Map<TableName, List<String>> published() throws SQLException {
        boolean columnLists = connection.getMetaData().getDatabaseMajorVersion() >= 15;
        try (PreparedStatement query = connection.prepareStatement("SELECT schemaname, tablename"
                + (columnLists ? ", attnames::text[]" : ", NULL::text[]")
                + " FROM pg_publication_tables WHERE pubname = ? ORDER BY 1, 2")) {
            query.setString(1, source.publication());
            try (ResultSet rs = query.executeQuery()) {
                Map<TableName, List<String>> tables = new LinkedHashMap<>();
                while (rs.next()) {
                    java.sql.Array names = rs.getArray(3);
                    tables.put(
                            new TableName(rs.getString(1), rs.getString(2)),
                            names == null ? null : List.of((String[]) names.getArray()));
                }
                return tables;
            }
        }
    }

    /** Whether the publication is FOR ALL TABLES; null when there is no such publication. */
    private Boolean allTables() throws SQLException {
        try (PreparedStatement query =
                connection.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
            query.setString(1, source.publication());
            try (ResultSet rs = query.executeQuery()) {
                return rs.next() ? rs.getBoolean(1) : null;
            }
        }
    }

    private static String columnList(List<String> columns) {
        return columns == null
                ? ""
                : columns.stream().map(Identifiers::quote).collect(Collectors.joining(", ", " (", ")"));
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }
}
