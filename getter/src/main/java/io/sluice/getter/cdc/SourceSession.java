package io.sluice.getter.cdc;

import io.sluice.common.batch.Column;
import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import io.sluice.getter.cdc.PgOutputMessage.Relation;
import io.sluice.getter.cdc.PgOutputMessage.RelationColumn;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The getter's two connections to a source: a replication connection for the slot's stream, and a plain one for
 * catalog queries (publication, slot state, type names). Opened together, closed together on any failure.
 */
final class SourceSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SourceSession.class);

    private final CdcProperties properties;
    private final Connection replication;
    private final Connection query;
    private final Map<Long, String> typeNames = new HashMap<>();

    private SourceSession(CdcProperties properties, Connection replication, Connection query) {
        this.properties = properties;
        this.replication = replication;
        this.query = query;
    }

    static SourceSession open(CdcProperties properties) throws SQLException {
        if (properties.url() == null || properties.url().isBlank()) {
            throw new IllegalStateException("sluice.getter.cdc.url is not set: give the source's JDBC URL");
        }
        Properties common = new Properties();
        if (properties.username() != null) {
            PGProperty.USER.set(common, properties.username());
        }
        if (properties.password() != null) {
            PGProperty.PASSWORD.set(common, properties.password());
        }
        PGProperty.APPLICATION_NAME.set(common, "sluice-getter");
        Properties replicationProps = new Properties();
        replicationProps.putAll(common);
        PGProperty.REPLICATION.set(replicationProps, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(replicationProps, "10");
        PGProperty.PREFER_QUERY_MODE.set(replicationProps, "simple");
        Connection query = DriverManager.getConnection(properties.url(), common);
        try {
            Connection replication = DriverManager.getConnection(properties.url(), replicationProps);
            return new SourceSession(properties, replication, query);
        } catch (SQLException e) {
            query.close();
            throw e;
        }
    }

    /** Creates the publication and the slot when missing; refuses a slot that belongs to another plugin. */
    void ensurePublicationAndSlot() throws SQLException {
        if (!exists("SELECT 1 FROM pg_publication WHERE pubname = ?", properties.publication())) {
            String tables = properties.tables().isEmpty()
                    ? "ALL TABLES"
                    : "TABLE "
                            + properties.tables().stream()
                                    .map(t -> TableName.parse(t).quoted())
                                    .collect(Collectors.joining(", "));
            try (Statement s = query.createStatement()) {
                s.execute("CREATE PUBLICATION " + Identifiers.quote(properties.publication()) + " FOR " + tables);
            }
            log.info("created publication {} for {}", properties.publication(), tables);
        }
        String plugin = slotPlugin();
        if (plugin == null) {
            replication
                    .unwrap(PGConnection.class)
                    .getReplicationAPI()
                    .createReplicationSlot()
                    .logical()
                    .withSlotName(properties.slot())
                    .withOutputPlugin("pgoutput")
                    .make();
            log.info("created replication slot {} (pgoutput)", properties.slot());
        } else if (!plugin.equals("pgoutput")) {
            throw new IllegalStateException("replication slot " + properties.slot() + " exists with plugin " + plugin
                    + ", not pgoutput: drop it or configure another sluice.getter.cdc.slot");
        }
    }

    PGReplicationStream startStream() throws SQLException {
        return replication
                .unwrap(PGConnection.class)
                .getReplicationAPI()
                .replicationStream()
                .logical()
                .withSlotName(properties.slot())
                .withSlotOption("proto_version", "1")
                .withSlotOption("publication_names", properties.publication())
                .withStatusInterval((int) properties.statusInterval().toMillis(), TimeUnit.MILLISECONDS)
                .start();
    }

    /** Batch columns of a Relation, with type names as {@code format_type} prints them, looked up once per type. */
    List<Column> columns(Relation relation) {
        List<Column> columns = new ArrayList<>(relation.columns().size());
        for (RelationColumn c : relation.columns()) {
            columns.add(new Column(c.name(), typeName(c.typeOid(), c.typeModifier()), c.key()));
        }
        return columns;
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

    private String slotPlugin() throws SQLException {
        try (PreparedStatement ps =
                query.prepareStatement("SELECT plugin FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, properties.slot());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
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
