package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies many batches to the target in one transaction: grouped per table and column shape, merged in table-name order
 * (so that concurrent loaders lock tables in the same order), committed once. Returns only after COMMIT, so the
 * caller acknowledges only what is durable.
 */
public class MergeWriter {

    /** Rows written per table in one transaction. */
    public record Result(Map<TableName, Integer> rowsPerTable) {}

    private static final Logger log = LoggerFactory.getLogger(MergeWriter.class);

    private final DataSource dataSource;

    public MergeWriter(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Result write(List<ChangeBatch> batches) throws SQLException {
        Map<String, List<ChangeBatch>> groups = new TreeMap<>();
        for (ChangeBatch batch : batches) {
            if (batch.isSchemaChange()) {
                log.warn(
                        "schema of {} changed from {} to {}; the target is not altered yet",
                        batch.table(),
                        batch.previousColumns(),
                        batch.columns());
                continue;
            }
            List<Row> rows =
                    batch.rows().stream().filter(r -> r.op() != Op.TRUNCATE).toList();
            if (rows.size() < batch.rows().size()) {
                log.warn(
                        "TRUNCATE of {} is not applied to the target (truncate propagation is not enabled)",
                        batch.table());
            }
            if (!rows.isEmpty()) {
                groups.computeIfAbsent(groupKey(batch), k -> new ArrayList<>()).add(batch.withRows(rows));
            }
        }
        Map<TableName, Integer> written = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                int index = 0;
                for (List<ChangeBatch> group : groups.values()) {
                    ChangeBatch first = group.get(0);
                    int rows = new TableMerge(first.table(), first.columns(), index++).merge(connection, group);
                    written.merge(first.table(), rows, Integer::sum);
                }
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        }
        return new Result(written);
    }

    /** Batches merge together when they have the same table and the same columns. */
    private static String groupKey(ChangeBatch batch) {
        StringBuilder key = new StringBuilder(batch.table().toString()).append('|');
        for (Column column : batch.columns()) {
            key.append(column.name()).append(column.key() ? "*" : "").append(',');
        }
        return key.toString();
    }
}
