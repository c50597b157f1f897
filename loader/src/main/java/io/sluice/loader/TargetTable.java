package io.sluice.loader;

import io.sluice.common.batch.Column;
import io.sluice.common.pg.TableName;
import io.sluice.common.state.TargetColumns;
import java.util.List;
import java.util.Set;

/** A target table ready for a batch shape: the spec, the batch's columns under target names, the target's columns. */
record TargetTable(TargetSpec spec, List<Column> columns, Set<String> targetColumns) {

    static final String LSN = TargetColumns.LSN;
    static final String SEQ = TargetColumns.SEQ;
    static final String OP = TargetColumns.OP;
    static final String DELETED = TargetColumns.DELETED;
    static final String VALID_FROM = TargetColumns.VALID_FROM;
    static final String VALID_TO = TargetColumns.VALID_TO;

    TableName name() {
        return spec.table();
    }

    List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    List<String> keyNames() {
        return columns.stream().filter(Column::key).map(Column::name).toList();
    }

    boolean has(String column) {
        return targetColumns.contains(column);
    }
}
