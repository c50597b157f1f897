package io.sluice.handler.pipeline;

import io.sluice.common.pg.TableName;
import java.util.List;
import java.util.Map;

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
        Map<String, StepConfig> entries = config.entries();
        for (String key : entries.keySet()) {
            if (!key.equals("targets") && !key.equals("table")) {
                throw config.error("unknown key '" + key + "'; route takes targets and table");
            }
        }
        List<String> targets =
                entries.containsKey("targets") ? entries.get("targets").texts() : null;
        TableName table;
        try {
            table = entries.containsKey("table")
                    ? TableName.parse(entries.get("table").text())
                    : null;
        } catch (IllegalArgumentException e) {
            throw entries.get("table").error(e.getMessage());
        }
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
