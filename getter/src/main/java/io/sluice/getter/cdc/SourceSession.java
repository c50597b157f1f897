package io.sluice.getter.cdc;

import io.sluice.common.batch.Column;
import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.Lsn;
import io.sluice.common.pg.TableName;
import io.sluice.getter.cdc.PgOutputMessage.Relation;
import io.sluice.getter.cdc.PgOutputMessage.RelationColumn;
import io.sluice.getter.cdc.PgOutputMessage.Tuple;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The getter's two connections to a source: a replication connection for the slot's stream, and a plain one for
 * catalog queries (publication, slot state, type names). Opened together, closed together on any failure.
 */
final class SourceSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SourceSession.class);

    private final CdcProperties.Source properties;
    private final Duration statusInterval;
    private final Connection replication;
    private final Connection query;
    private final Map<Long, String> typeNames = new HashMap<>();

    private SourceSession(
            CdcProperties.Source properties, Duration statusInterval, Connection replication, Connection query) {
        this.properties = properties;
        this.statusInterval = statusInterval;
        this.replication = replication;
        this.query = query;
    }

    static SourceSession open(CdcProperties.Source properties, Duration statusInterval) throws SQLException {
        Connection query = SourceConnections.query(properties, "sluice-getter");
        try {
            return new SourceSession(properties, statusInterval, SourceConnections.replication(properties), query);
        } catch (SQLException e) {
            query.close();
            throw e;
        }
    }

    /** What the source says of the configured slot. */
    enum SlotState {
        MISSING,
        READY,
        /** Invalidated: the WAL it needs was removed (PostgreSQL 13+ {@code wal_status = 'lost'}). */
        LOST
    }

    /** The source's publication, managed on the plain connection. */
    Publication publication() {
        return new Publication(properties, query);
    }

    /** The slot's state; refuses a slot that belongs to another output plugin. */
    SlotState slotState() throws SQLException {
        try (PreparedStatement ps =
                query.prepareStatement("SELECT plugin, wal_status FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, properties.slot());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return SlotState.MISSING;
                }
                if (!"pgoutput".equals(rs.getString(1))) {
                    throw new IllegalStateException("replication slot " + properties.slot() + " exists with plugin "
                            + rs.getString(1) + ", not pgoutput: drop it or configure another slot for source "
                            + properties.name());
                }
                return "lost".equals(rs.getString(2)) ? SlotState.LOST : SlotState.READY;
            }
        }
    }

    /**
     * Creates the slot on the replication connection, exporting a snapshot consistent with it. The snapshot stays
     * importable only while this connection runs no other command: import it before {@link #startStream()}.
     *
     * @param temporary a slot that the server drops when this session ends (for snapshots only)
     */
    ReplicationSlotInfo createSlot(String name, boolean temporary) throws SQLException {
        return createSlotNamed(name, temporary);
    }

    /**
     * A temporary slot of this source named after its slot with {@code suffix} ({@code _snap}, {@code _fix}), the
     * name cut so that it fits PostgreSQL's 63 bytes: each user of temporary slots has a suffix of its own, so that two
     * at once do not collide.
     */
    ReplicationSlotInfo createTemporarySlot(CdcProperties.Source source, String suffix) throws SQLException {
        String base = source.slot();
        return createSlotNamed((base.length() > 57 ? base.substring(0, 57) : base) + suffix, true);
    }

    /** A slot's consistent point: where the snapshot it exported stands in the WAL. */
    static Lsn consistentPoint(ReplicationSlotInfo slot) {
        return new Lsn(slot.getConsistentPoint().asLong());
    }

    private ReplicationSlotInfo createSlotNamed(String name, boolean temporary) throws SQLException {
        var builder = replication
                .unwrap(PGConnection.class)
                .getReplicationAPI()
                .createReplicationSlot()
                .logical()
                .withSlotName(name)
                .withOutputPlugin("pgoutput");
        if (temporary) {
            builder = builder.withTemporaryOption();
        }
        ReplicationSlotInfo info = builder.make();
        log.info(
                "created {}replication slot {} at {} (snapshot {})",
                temporary ? "temporary " : "",
                name,
                info.getConsistentPoint(),
                info.getSnapshotName());
        return info;
    }

    void dropSlot() throws SQLException {
        try (PreparedStatement ps = query.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            ps.setString(1, properties.slot());
            ps.execute();
        }
        log.warn("dropped replication slot {}", properties.slot());
    }

    /** The tables the publication captures, as the snapshot must read them. */
    List<TableName> publishedTables() throws SQLException {
        try (PreparedStatement ps = query.prepareStatement(
                "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ? ORDER BY 1, 2")) {
            ps.setString(1, properties.publication());
            try (ResultSet rs = ps.executeQuery()) {
                List<TableName> tables = new ArrayList<>();
                while (rs.next()) {
                    tables.add(new TableName(rs.getString(1), rs.getString(2)));
                }
                return tables;
            }
        }
    }

    PGReplicationStream startStream() throws SQLException {
        var builder = replication
                .unwrap(PGConnection.class)
                .getReplicationAPI()
                .replicationStream()
                .logical()
                .withSlotName(properties.slot())
                .withSlotOption("proto_version", "1")
                .withSlotOption("publication_names", properties.publication());
        if (query.getMetaData().getDatabaseMajorVersion() >= 14) {
            builder = builder.withSlotOption("messages", "true"); // heartbeats; pgoutput has them since 14
        }
        return builder.withStatusInterval((int) statusInterval.toMillis(), TimeUnit.MILLISECONDS)
                .start();
    }

    /**
     * Takes the source's capture lock for this slot, held as long as this session: a second getter replica for the
     * same slot stands by until the first one's session ends.
     */
    boolean tryLock() throws SQLException {
        try (PreparedStatement ps =
                query.prepareStatement("SELECT pg_try_advisory_lock(hashtext('sluice.getter'), hashtext(?))")) {
            ps.setString(1, properties.slot());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Writes a heartbeat into the WAL, so that the slot can advance even when the captured tables are idle. */
    void emitHeartbeat() throws SQLException {
        try (PreparedStatement ps = query.prepareStatement("SELECT pg_logical_emit_message(false, ?, '')")) {
            ps.setString(1, TransactionAssembler.HEARTBEAT_PREFIX);
            ps.execute();
        }
    }

    /** WAL bytes the slot holds that the getter has not confirmed yet. */
    long slotLagBytes() throws SQLException {
        try (PreparedStatement ps = query.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(),"
                + " confirmed_flush_lsn)::int8 FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, properties.slot());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /**
     * Checks at start-up that the role has what capture needs (REPLICATION, SELECT on every captured table), and says
     * exactly which grant is missing rather than failing later with a bare "permission denied".
     */
    void checkPrivileges(List<TableName> tables) throws SQLException {
        List<String> missing = new ArrayList<>();
        String role;
        try (Statement s = query.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT current_user, rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
            rs.next();
            role = Identifiers.quote(rs.getString(1));
            if (!rs.getBoolean(2)) {
                missing.add("ALTER ROLE " + role + " REPLICATION");
            }
        }
        try (PreparedStatement ps = query.prepareStatement("SELECT has_table_privilege(?, 'SELECT')")) {
            for (TableName table : tables) {
                ps.setString(1, table.quoted());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        missing.add("GRANT SELECT ON " + table.quoted() + " TO " + role);
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(
                    "source " + properties.name() + " lacks privileges for capture: " + String.join("; ", missing));
        }
    }

    /**
     * The row with its unchanged (unsent TOAST) values read from the table by the row's key, in their text form as
     * pgoutput would have sent them; the row as it is when the table no longer has that key.
     */
    Tuple fillUnchanged(TransactionAssembler.TableShape shape, Tuple row) {
        List<Column> columns = shape.columns();
        List<Integer> wanted = new ArrayList<>();
        List<String> conditions = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            Column column = columns.get(i);
            if (row.unchanged()[i]) {
                wanted.add(i);
            }
            if (column.key()) {
                // The type is the source catalog's own format_type text, not input from elsewhere.
                conditions.add(Identifiers.quote(column.name()) + " = CAST(? AS " + column.type() + ")");
                keys.add(row.values().get(i));
            }
        }
        if (wanted.isEmpty() || keys.isEmpty()) {
            return row;
        }
        String sql = "SELECT "
                + wanted.stream()
                        .map(i -> Identifiers.quote(columns.get(i).name()) + "::text")
                        .collect(java.util.stream.Collectors.joining(", "))
                + " FROM " + shape.table().quoted() + " WHERE " + String.join(" AND ", conditions);
        try (PreparedStatement ps = query.prepareStatement(sql)) {
            for (int i = 0; i < keys.size(); i++) {
                ps.setString(i + 1, keys.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return row; // deleted since: its delete follows
                }
                String[] values = row.valuesCopy();
                boolean[] unchanged = row.unchanged().clone();
                for (int j = 0; j < wanted.size(); j++) {
                    values[wanted.get(j)] = rs.getString(j + 1);
                    unchanged[wanted.get(j)] = false;
                }
                return new Tuple(values, unchanged);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read the unchanged values of " + shape.table() + ": " + e.getMessage(), e);
        }
    }

    /** Batch columns of a Relation, with type names as {@code format_type} prints them, looked up once per type. */
    List<Column> columns(Relation relation) {
        // REPLICA IDENTITY FULL flags every column as key; the row's identity is its primary key (none: keyless).
        Set<String> primaryKey = relation.replicaIdentity() == 'f' ? primaryKey(relation) : null;
        List<Column> columns = new ArrayList<>(relation.columns().size());
        for (RelationColumn c : relation.columns()) {
            boolean key = primaryKey == null ? c.key() : primaryKey.contains(c.name());
            columns.add(new Column(c.name(), typeName(c.typeOid(), c.typeModifier()), key));
        }
        return columns;
    }

    private Set<String> primaryKey(Relation relation) {
        try (PreparedStatement ps = query.prepareStatement("SELECT a.attname FROM pg_index i JOIN pg_attribute a"
                + " ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indisprimary"
                + " AND i.indrelid = (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ?)")) {
            ps.setString(1, relation.schema());
            ps.setString(2, relation.name());
            try (ResultSet rs = ps.executeQuery()) {
                Set<String> names = new java.util.HashSet<>();
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
                return names;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read the primary key of " + relation.schema() + "." + relation.name(), e);
        }
    }

    private String typeName(int oid, int modifier) {
        long cacheKey = ((long) oid << 32) | (modifier & 0xFFFFFFFFL);
        return typeNames.computeIfAbsent(cacheKey, k -> {
            try (PreparedStatement ps = query.prepareStatement("SELECT format_type(?, ?)")) {
                ps.setLong(1, oid);
                if (modifier < 0) {
                    ps.setNull(2, java.sql.Types.INTEGER);
                } else {
                    ps.setInt(2, modifier);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot resolve type oid " + oid, e);
            }
        });
    }

    private boolean exists(String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = query.prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public void close() {
        for (Connection c : List.of(replication, query)) {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing a source connection: {}", e.getMessage());
            }
        }
    }
}
