package io.sluice.handler.pipeline;

import io.sluice.common.batch.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Steps that shape columns without reading values: {@code rename}, {@code select}, {@code drop}, {@code default}. */
final class ColumnSteps {

    private ColumnSteps() {}

    /** {@code rename: {old: new}}; a column the batch does not have is left alone. */
    static final class Rename implements StepType {
        @Override
        public String name() {
            return "rename";
        }

        @Override
        public Step create(StepConfig config) {
            Map<String, String> renames = config.textEntries();
            return batch -> renames.forEach((from, to) -> {
                int at = batch.indexOf(from);
                if (at >= 0) {
                    Column c = batch.columns().get(at);
                    batch.replaceColumn(at, new Column(to, c.type(), c.key()));
                }
            });
        }
    }

    /** {@code select: [a, b]}: keeps these columns, in this order. */
    static final class Select implements StepType {
        @Override
        public String name() {
            return "select";
        }

        @Override
        public Step create(StepConfig config) {
            List<String> names = config.texts();
            return batch -> batch.keepColumns(
                    names.stream().map(batch::indexOf).filter(i -> i >= 0).toList());
        }
    }

    /** {@code drop: [a, b]}: removes these columns. */
    static final class Drop implements StepType {
        @Override
        public String name() {
            return "drop";
        }

        @Override
        public Step create(StepConfig config) {
            List<String> names = config.texts();
            return batch -> {
                List<Column> columns = batch.columns();
                batch.keepColumns(new ArrayList<>(IntStream.range(0, columns.size())
                        .filter(i -> !names.contains(columns.get(i).name()))
                        .boxed()
                        .toList()));
            };
        }
    }

    /** {@code default: {column: value}}: a NULL becomes the value (a delete's key-only row is left as it is). */
    static final class Default implements StepType {
        @Override
        public String name() {
            return "default";
        }

        @Override
        public Step create(StepConfig config) {
            Map<String, String> defaults = config.textEntries();
            return batch -> defaults.forEach((column, value) -> {
                int at = batch.indexOf(column);
                if (at < 0) {
                    return;
                }
                for (WorkingBatch.WorkingRow row : batch.rows()) {
                    if (row.value(at) == null && !row.isUnchanged(at) && row.op() != io.sluice.common.batch.Op.DELETE) {
                        row.set(at, value);
                    }
                }
            });
        }
    }
}
