package io.sluice.handler.pipeline;

import io.sluice.common.batch.Column;
import java.util.HashSet;
import java.util.List;

/**
 * {@code shard}: sends each row to one of N targets by a hash of its key ({@link ShardHash}), so a warehouse can be
 * several PostgreSQL servers, each a loader target:
 *
 * <pre>
 * - shard: {targets: [shard0, shard1, shard2], key: [customer_id]}
 * </pre>
 *
 * The shard count is the number of targets and must not change once rows have landed (a key would move). {@code key}
 * defaults to the table's key columns. Every row of a key, deletes included, goes to the same shard; a TRUNCATE goes
 * to every shard.
 */
final class ShardStep implements StepType {

    @Override
    public String name() {
        return "shard";
    }

    @Override
    public Step create(StepConfig config) {
        StepOptions options = StepOptions.of(config, List.of("targets", "key"), "targets");
        List<String> targets = options.texts("targets");
        if (targets.size() < 2 || new HashSet<>(targets).size() != targets.size()) {
            throw config.error("targets lists two or more distinct targets, one per shard, not " + targets);
        }
        List<String> key = options.texts("key");
        return batch -> {
            List<String> columns = key != null
                    ? key
                    : batch.columns().stream()
                            .filter(Column::key)
                            .map(Column::name)
                            .toList();
            List<String> missing =
                    columns.stream().filter(c -> batch.indexOf(c) < 0).toList();
            if (columns.isEmpty() || !missing.isEmpty()) {
                String why = columns.isEmpty() ? "the table has no key to shard by (set key)" : "no column " + missing;
                for (WorkingBatch.WorkingRow row : List.copyOf(batch.rows())) {
                    batch.reject(row, name(), null, why);
                }
                return;
            }
            batch.shardBy(columns, targets);
        };
    }
}
