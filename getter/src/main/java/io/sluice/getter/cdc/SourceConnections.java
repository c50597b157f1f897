package io.sluice.getter.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.postgresql.PGProperty;

/**
 * Opens the getter's connections to a source, all with the same session settings. Values travel in their text form,
 * and some text forms depend on the session ({@code timestamptz} on TimeZone): pinning it to UTC on the replication
 * connection and on the snapshot connections makes a value read by the snapshot and the same value streamed later
 * identical, whatever the getter's host time zone.
 */
final class SourceConnections {

    private SourceConnections() {}

    /** A plain SQL connection. */
    static Connection query(CdcProperties.Source source, String applicationName) throws SQLException {
        return open(source, base(source, applicationName));
    }

    /** A read-only connection in the exported snapshot {@code snapshotName}, its transaction open. */
    static Connection inSnapshot(CdcProperties.Source source, String applicationName, String snapshotName)
            throws SQLException {
        Connection c = query(source, applicationName);
        c.setAutoCommit(false);
        try (java.sql.Statement s = c.createStatement()) {
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            s.execute("SET TRANSACTION SNAPSHOT " + io.sluice.common.pg.Identifiers.literal(snapshotName));
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** A logical replication connection ({@code replication=database}), which also takes simple SQL. */
    static Connection replication(CdcProperties.Source source) throws SQLException {
        Properties props = base(source, "sluice-getter");
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        return open(source, props);
    }

    private static Properties base(CdcProperties.Source source, String applicationName) {
        Properties props = new Properties();
        if (source.username() != null) {
            PGProperty.USER.set(props, source.username());
        }
        if (source.password() != null) {
            PGProperty.PASSWORD.set(props, source.password());
        }
        PGProperty.APPLICATION_NAME.set(props, applicationName);
        return props;
    }

    private static Connection open(CdcProperties.Source source, Properties props) throws SQLException {
        Connection connection = DriverManager.getConnection(source.url(), props);
        try (Statement s = connection.createStatement()) {
            s.execute("SET TimeZone = 'UTC'");
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }
}
