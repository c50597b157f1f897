package io.sluice.getter.cdc;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * Reads snapshot chunks on one connection that has imported the snapshot: {@code COPY (SELECT ...) TO STDOUT} of a
 * page range, turned into batches of {@code r} rows versioned at the snapshot's consistent point.
 */
final class TableSnapshotReader {

    private final Connection connection;
    private final String source;
    private final long snapshotLsn;
    private final Instant snapshotTime;
    private final int maxBatchRows;

    TableSnapshotReader(
            Connection connection, String source, long snapshotLsn, Instant snapshotTime, int maxBatchRows) {
        this.connection = connection;
        this.source = source;
        this.snapshotLsn = snapshotLsn;
        this.snapshotTime = snapshotTime;
        this.maxBatchRows = maxBatchRows;
    }

    /**
     * Columns of a table with their types and key flags as pgoutput reports them (replica identity index): stored
     * generated columns only from PostgreSQL 18, whose publications send them (before, pgoutput does not, so snapshot
     * and stream agree by leaving them out), and never the source's excluded columns, whose values must not be read.
     */
    static List<Column> columns(Connection connection, TableName table, List<String> excluded) throws SQLException {
        // The key flags pgoutput sends (replica identity index, else primary key), except that FULL, which pgoutput
        // reports as every column, keys by the primary key: a row's identity, not all its values (NULLs included).
        String sql = "SELECT a.attname, format_type(a.atttypid, a.atttypmod), coalesce(CASE c.relreplident"
                + " WHEN 'n' THEN false"
                + " WHEN 'i' THEN a.attnum = ANY (SELECT unnest(indkey) FROM pg_index WHERE indrelid = c.oid"
                + "   AND indisreplident)"
                + " ELSE a.attnum = ANY (SELECT unnest(indkey) FROM pg_index WHERE indrelid = c.oid AND indisprimary)"
                + " END, false)"
                + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                + " WHERE a.attrelid = ?::regclass AND a.attnum > 0 AND NOT a.attisdropped"
                + " AND (a.attgenerated = '' OR (? AND a.attgenerated = 's'))"
                + " ORDER BY a.attnum";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, table.quoted());
            ps.setBoolean(2, Publication.publishesGenerated(connection));
            try (ResultSet rs = ps.executeQuery()) {
                List<Column> columns = new ArrayList<>();
                while (rs.next()) {
                    if (!excluded.contains(rs.getString(1))) {
                        columns.add(new Column(rs.getString(1), rs.getString(2), rs.getBoolean(3)));
                    }
                }
                return columns;
            }
        }
    }

    /** Pages of a table now; chunks beyond are covered by each table's open-ended last chunk. */
    static long pages(Connection connection, TableName table) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_relation_size(?::regclass) / current_setting('block_size')::int")) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Reads the rows of a chunk that {@code filter} (SQL: the chunk's page range, perhaps narrowed) keeps and
     * publishes them; returns the row count and the confirms of all its batches.
     */
    ChunkResult read(
            SnapshotChunk chunk,
            String filter,
            List<Column> columns,
            Function<ChangeBatch, CompletableFuture<Void>> publish)
            throws SQLException {
        return read(chunk.table(), chunk.number(), filter, columns, publish, row -> {});
    }

    /**
     * Reads the rows of {@code table} that {@code filter} (SQL) keeps and publishes them, numbered as chunk {@code
     * number}, showing each row to {@code each} as it goes.
     */
    ChunkResult read(
            TableName table,
            int number,
            String filter,
            List<Column> columns,
            Function<ChangeBatch, CompletableFuture<Void>> publish,
            java.util.function.Consumer<Row> each)
            throws SQLException {
        String select = "SELECT "
                + columns.stream().map(c -> Identifiers.quote(c.name())).collect(Collectors.joining(", "))
                + " FROM " + table.quoted() + " WHERE " + filter;
        CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + select + ") TO STDOUT");
        List<CompletableFuture<Void>> confirms = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        long count = 0;
        byte[] line;
        while ((line = copy.readFromCopy()) != null) {
            List<String> values = CopyTextRows.parse(line, columns.size());
            // Each snapshot row gets its own version (chunk in the high bits, row in the low ones), so that an
            // append-mode target can tell a redelivered row from another row with the same values.
            count++;
            Row row = new Row(Op.READ, snapshotLsn, ((long) number << 32) | count, snapshotTime, values, List.of());
            each.accept(row);
            rows.add(row);
            if (rows.size() >= maxBatchRows) {
                confirms.add(publish.apply(new ChangeBatch(source, Origin.SNAPSHOT, table, columns, rows)));
                rows = new ArrayList<>();
            }
        }
        if (!rows.isEmpty()) {
            confirms.add(publish.apply(new ChangeBatch(source, Origin.SNAPSHOT, table, columns, rows)));
        }
        return new ChunkResult(count, CompletableFuture.allOf(confirms.toArray(CompletableFuture[]::new)));
    }

    /** What reading a chunk produced. */
    record ChunkResult(long rows, CompletableFuture<Void> confirmed) {}
}
