package io.sluice.loader;

import io.sluice.common.batch.Column;
import io.sluice.common.pg.TableName;
import java.util.List;
import java.util.Set;

/** A target table ready for a batch shape: the spec, the batch's columns under target names, the target's columns. */
record TargetTable(TargetSpec spec, List<Column> columns, Set<String> targetColumns) {

    static final String LSN = "_sluice_lsn";
    static final String SEQ = "_sluice_seq";
    static final String OP = "_sluice_op";
    static final String DELETED = "_sluice_deleted";
    static final String VALID_FROM = "_sluice_valid_from";
    static final String VALID_TO = "_sluice_valid_to";

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
