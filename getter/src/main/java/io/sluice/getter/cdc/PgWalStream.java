package io.sluice.getter.cdc;

import io.sluice.common.pg.Lsn;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/** {@link WalStream} on pgjdbc's replication stream. */
final class PgWalStream implements WalStream {

    private final PGReplicationStream stream;

    PgWalStream(PGReplicationStream stream) {
        this.stream = stream;
    }

    @Override
    public ByteBuffer readPending() throws SQLException {
        return stream.readPending();
    }

    @Override
    public void confirm(Lsn lsn) {
        LogSequenceNumber position = LogSequenceNumber.valueOf(lsn.value());
        stream.setFlushedLSN(position);
        stream.setAppliedLSN(position);
    }

    @Override
    public void keepAlive() throws SQLException {
        stream.forceUpdateStatus();
    }

    @Override
    public void close() throws SQLException {
        stream.close();
    }
}
