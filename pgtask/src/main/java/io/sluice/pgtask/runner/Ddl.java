package io.sluice.pgtask.runner;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Runs a job's DDL in one transaction under {@code lock_timeout} and {@code statement_timeout}, so that a job never
 * queues the application behind its lock for long: a lock it cannot get in time defers the job instead.
 */
public final class Ddl {

    /** The work of one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection connection) throws Exception;
    }

    private static final String LOCK_NOT_AVAILABLE = "55P03";

    private final Duration lockTimeout;
    private final Duration statementTimeout;

    public Ddl(Duration lockTimeout, Duration statementTimeout) {
        this.lockTimeout = lockTimeout;
        this.statementTimeout = statementTimeout;
    }

    public <T> T inTransaction(DataSource dataSource, String what, Work<T> work) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL lock_timeout = '" + lockTimeout.toMillis() + "ms'");
                s.execute("SET LOCAL statement_timeout = '" + statementTimeout.toMillis() + "ms'");
                s.execute("SET LOCAL TIME ZONE 'UTC'");
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException e) {
                c.rollback();
                if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
                    throw new DeferredException(
                            what + ": the table is busy (no lock within " + lockTimeout + "), will retry", e);
                }
                throw e;
            } catch (Exception e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        }
    }
}
