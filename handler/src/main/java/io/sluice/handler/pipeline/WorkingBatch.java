package io.sluice.handler.pipeline;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A batch being shaped by a pipeline: its columns and its rows' values can change in place; a row can be dropped (a
 * filter) or rejected (a step could not handle it, with the reason), and the rest goes on.
 */
public final class WorkingBatch {

    private static final int SPARE_COLUMNS = 4;

    /** A row being shaped: its change, its current values, the positions of values the source did not send. */
    public static final class WorkingRow {
        private final Row change;
        private String[] values;
        private List<Integer> unchanged;
        private boolean removed;

        WorkingRow(Row change) {
            this.change = change;
            // Room for the columns steps add (compute, lookup, geo), so that adding one copies no row.
            List<String> source = change.values();
            this.values = new String[source.size() + SPARE_COLUMNS];
            for (int i = 0; i < source.size(); i++) {
                values[i] = source.get(i);
            }
            this.unchanged = change.unchanged();
        }

        public Op op() {
            return change.op();
        }

        public String value(int column) {
            return values[column];
        }

        public void set(int column, String value) {
            values[column] = value;
        }

        public boolean isUnchanged(int column) {
            return unchanged.contains(column);
        }
    }

    /** A row a step could not handle, and why. */
    public record Rejected(Row row, String step, String column, String reason) {}

    /** Rows go to one target each, by the {@link ShardHash} of these columns over as many shards as targets. */
    public record Sharding(List<String> keyColumns, List<String> targets) {

        /**
         * A shaped batch split by shard: target → its rows (a TRUNCATE in every shard); shards without rows are left
         * out.
         *
         * @throws IllegalArgumentException when the batch no longer has the key columns
         */
        public Map<String, ChangeBatch> split(ChangeBatch batch) {
            List<String> names = batch.columns().stream().map(Column::name).toList();
            int[] key = keyColumns.stream().mapToInt(names::indexOf).toArray();
            if (Arrays.stream(key).anyMatch(i -> i < 0)) {
                throw new IllegalArgumentException("the shard key " + keyColumns
                        + " is not in the shaped batch's columns " + names + " (a step after shard removed it)");
            }
            List<List<Row>> shards = new ArrayList<>();
            targets.forEach(t -> shards.add(new ArrayList<>()));
            for (Row row : batch.rows()) {
                if (row.op() == Op.TRUNCATE) {
                    shards.forEach(shard -> shard.add(row));
                    continue;
                }
                List<String> values = new ArrayList<>(key.length);
                for (int i : key) {
                    values.add(row.values().get(i));
                }
                shards.get(ShardHash.of(values, targets.size())).add(row);
            }
            Map<String, ChangeBatch> split = new java.util.LinkedHashMap<>();
            for (int i = 0; i < targets.size(); i++) {
                if (!shards.get(i).isEmpty()) {
                    split.put(targets.get(i), batch.withRows(shards.get(i)));
                }
            }
            return split;
        }
    }

    private final ChangeBatch input;
    private final List<Column> columns;
    private final List<Column> columnsView;
    private final List<WorkingRow> rows;
    private boolean rowsRemoved;
    private final List<Rejected> rejected = new ArrayList<>();
    private int dropped;
    private TableName table;
    private List<String> targets;
    private Sharding sharding;

    public WorkingBatch(ChangeBatch input) {
        this.input = input;
        this.columns = new ArrayList<>(input.columns());
        this.columnsView = Collections.unmodifiableList(columns);
        this.rows = new ArrayList<>(input.rows().size());
        for (Row row : input.rows()) {
            if (row.op() != Op.TRUNCATE) {
                rows.add(new WorkingRow(row));
            }
        }
    }

    public ChangeBatch input() {
        return input;
    }

    /** Sends the batch on as this target table (the loader writes it there). */
    public void renameTable(TableName table) {
        this.table = table;
    }

    /** Sends the batch to these targets only; null (the default) means every target of the handler. */
    public void routeTo(List<String> targets) {
        this.targets = List.copyOf(targets);
    }

    public List<String> targets() {
        return targets;
    }

    /** Sends each row to the target its key's shard names. */
    public void shardBy(List<String> keyColumns, List<String> shardTargets) {
        this.sharding = new Sharding(List.copyOf(keyColumns), List.copyOf(shardTargets));
    }

    /** How rows are split across targets, or null (the whole batch goes to {@link #targets()}). */
    public Sharding sharding() {
        return sharding;
    }

    /** The columns as they are now (a read-only view: steps change them through this class). */
    public List<Column> columns() {
        return columnsView;
    }

    /** The position of a column, or -1. */
    public int indexOf(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The rows still in the batch. A step may drop or reject rows while it iterates over this list: they are marked and
     * leave the list on the next call, which keeps a filter over n rows O(n) instead of O(n²).
     */
    public List<WorkingRow> rows() {
        if (rowsRemoved) {
            rows.removeIf(r -> r.removed);
            rowsRemoved = false;
        }
        return rows;
    }

    public void replaceColumn(int index, Column column) {
        columns.set(index, column);
    }

    /** Adds a column at the end; every row gets its value from the function. */
    public void addColumn(Column column, Function<WorkingRow, String> value) {
        columns.add(column);
        int at = columns.size() - 1;
        for (WorkingRow row : rows()) {
            if (row.values.length <= at) {
                row.values = Arrays.copyOf(row.values, at + 1 + SPARE_COLUMNS);
            }
            row.values[at] = value.apply(row);
        }
    }

    /** Keeps only these column positions, in this order. */
    public void keepColumns(List<Integer> positions) {
        List<Column> kept = positions.stream().map(columns::get).toList();
        columns.clear();
        columns.addAll(kept);
        for (WorkingRow row : rows()) {
            String[] old = row.values;
            row.values = positions.stream().map(p -> old[p]).toArray(String[]::new);
            row.unchanged = row.unchanged.stream()
                    .filter(positions::contains)
                    .map(positions::indexOf)
                    .toList();
        }
    }

    /** Leaves a row out (a filter said so); counted, not dead-lettered. */
    public void drop(WorkingRow row) {
        remove(row);
        dropped++;
    }

    public int dropped() {
        return dropped;
    }

    public void reject(WorkingRow row, String step, String column, String reason) {
        rejected.add(new Rejected(row.change, step, column, reason));
        remove(row);
    }

    private void remove(WorkingRow row) {
        if (row.removed) {
            throw new IllegalStateException("a row was dropped or rejected twice");
        }
        row.removed = true;
        rowsRemoved = true;
    }

    public List<Rejected> rejected() {
        return rejected;
    }

    /** The shaped batch; truncations of the input pass through unchanged. */
    public ChangeBatch output() {
        List<Row> out = new ArrayList<>(rows().size());
        for (WorkingRow row : rows) {
            Row c = row.change;
            List<String> values = Arrays.asList(row.values);
            out.add(new Row(
                    c.op(),
                    c.lsn(),
                    c.seq(),
                    c.ts(),
                    values.size() == columns.size() ? values : values.subList(0, columns.size()),
                    row.unchanged));
        }
        input.rows().stream().filter(r -> r.op() == Op.TRUNCATE).forEach(out::add);
        return new ChangeBatch(
                input.source(),
                input.origin(),
                table == null ? input.table() : table,
                columns,
                out,
                input.previousColumns());
    }

    /** The rejected rows as batches of the input's shape, one per reason. */
    public Map<String, ChangeBatch> rejectedBatches() {
        return rejected.stream()
                .collect(Collectors.groupingBy(
                        r -> "step " + r.step() + (r.column() == null ? "" : ", column " + r.column()) + ": "
                                + r.reason(),
                        java.util.LinkedHashMap::new,
                        Collectors.collectingAndThen(
                                Collectors.mapping(Rejected::row, Collectors.toList()), input::withRows)));
    }
}
