package io.sluice.loader;

import io.sluice.common.batch.Column;
import io.sluice.common.pg.TableName;
import io.sluice.loader.TableRule.DeleteMode;
import io.sluice.loader.TableRule.WriteMode;
import java.util.List;
import java.util.Map;

/** Where and how one source table is written: the resolved rule, with the target's column names. */
record TargetSpec(
        TableName table,
        WriteMode mode,
        DeleteMode deletes,
        Map<String, String> columnNames,
        boolean truncate,
        String distributeBy) {

    /** The target column for a source column. */
    String columnName(String sourceName) {
        return columnNames.getOrDefault(sourceName, sourceName);
    }

    /** The batch's columns under their target names. */
    List<Column> targetColumns(List<Column> sourceColumns) {
        return sourceColumns.stream()
                .map(c -> new Column(columnName(c.name()), c.type(), c.key()))
                .toList();
    }
}
