package io.sluice.getter.cdc;

import io.sluice.common.pg.Lsn;
import java.nio.ByteBuffer;
import java.sql.SQLException;

/**
 * The CDC loop's view of a logical replication stream: the messages it reads and the position it reports. pgjdbc's
 * stream is one ({@link PgWalStream}); a test can be another, so the slot-advance rule is tested without a server.
 */
interface WalStream extends AutoCloseable {

    /** The next pgoutput message, or {@code null} when none is pending; never blocks. */
    ByteBuffer readPending() throws SQLException;

    /**
     * Everything up to this position is durably handled downstream: the server may advance the slot to it. Sent with
     * the next status update.
     */
    void confirm(Lsn lsn);

    /** Sends a status update now, so the walsender hears from a session that reads nothing (a pause). */
    void keepAlive() throws SQLException;

    @Override
    void close() throws SQLException;
}
