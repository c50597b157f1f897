package io.sluice.handler.pipeline;

import io.sluice.common.pg.TableName;
import java.util.List;

/**
 * {@code route: {targets: [warehouse, lake], table: dw.orders}}: sends the batch to these targets only (fan-out to
 * several) and/or under another table name. Either key may be left out.
 */
final class RouteStep implements StepType {

    @Override
    public String name() {
        return "route";
    }

    @Override
    public Step create(StepConfig config) {
        StepOptions options = StepOptions.of(config, List.of("targets", "table"));
        List<String> targets = options.texts("targets");
        TableName table = options.table("table");
        return batch -> {
            if (targets != null) {
                batch.routeTo(targets);
            }
            if (table != null) {
                batch.renameTable(table);
            }
        };
    }
}
