package io.sluice.handler.pipeline;

import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import java.util.Map;

/**
 * {@code cast: {column: type}}: checks each value against the type and writes it in the type's canonical text form; the
 * column's type in the batch becomes the new one. A value that does not fit rejects its row, with the reason.
 */
final class CastStep implements StepType {

    @Override
    public String name() {
        return "cast";
    }

    @Override
    public Step create(StepConfig config) {
        Map<String, StepConfig> casts = config.entries();
        casts.forEach((column, type) -> {
            if (!TypedValues.CASTABLE.contains(TypedValues.baseType(type.text()))) {
                throw type.error("cannot cast " + column + " to '" + type.text() + "'; types: "
                        + TypedValues.CASTABLE.stream().sorted().toList());
            }
        });
        return batch -> casts.forEach((column, typeConfig) -> {
            int at = batch.indexOf(column);
            if (at < 0) {
                return;
            }
            String type = typeConfig.text();
            TypedValues.Parser parser = TypedValues.parser(type);
            for (WorkingBatch.WorkingRow row : batch.rows()) {
                if (row.isUnchanged(at) || row.op() == Op.DELETE) {
                    continue;
                }
                try {
                    row.set(at, TypedValues.format(parser.parse(row.value(at)), type));
                } catch (IllegalArgumentException e) {
                    batch.reject(row, name(), column, e.getMessage());
                }
            }
            Column c = batch.columns().get(at);
            batch.replaceColumn(at, new Column(c.name(), type, c.key()));
        });
    }
}
