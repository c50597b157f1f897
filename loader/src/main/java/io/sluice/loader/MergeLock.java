package io.sluice.loader;

import io.sluice.loader.TableRule.DeleteMode;
import io.sluice.loader.TableRule.WriteMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The per-table transaction lock that keeps concurrent loaders correct. Plain upserts are safe side by side (the
 * conflict clause locks and re-checks each row's version) and share the lock. A merge that decides from what it does
 * not see is not: a hard delete racing a late insert of the same key would let the insert resurrect the row, a patch of
 * unsent values racing the row's insert would lose them, and history's valid-to chains need every version. Those take
 * the lock alone, so their statement's snapshot sees every committed change. Appends too: they recognise a
 * redelivered change by looking for its version, which two copies written side by side would both miss. Tables are merged in name order, so the
 * locks cannot deadlock.
 */
final class MergeLock {

    private MergeLock() {}

    /**
     * @param alone take the lock alone whatever the merge (a truncation, the portable merge)
     * @return whether the lock was taken alone (else other loaders may merge the table at the same time)
     */
    static boolean acquire(Connection connection, TargetTable table, Staging staging, boolean alone)
            throws SQLException {
        boolean exclusive = alone
                || staging.anyUnchanged()
                || table.spec().mode() == WriteMode.HISTORY
                || table.spec().mode() == WriteMode.APPEND
                || table.spec().mode() == WriteMode.MULTISET
                || (table.spec().mode() == WriteMode.UPSERT
                        && table.spec().deletes() == DeleteMode.HARD
                        && staging.anyDeletes());
        String function = exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared";
        try (PreparedStatement lock = connection.prepareStatement("SELECT " + function + "(hashtext(?))")) {
            lock.setString(1, "sluice.merge:" + table.name());
            lock.execute();
        }
        return exclusive;
    }
}
