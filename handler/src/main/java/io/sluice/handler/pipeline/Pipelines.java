package io.sluice.handler.pipeline;

import io.sluice.common.pg.TableName;
import java.util.List;
import java.util.Map;

/**
 * The pipelines of a handler, by source table pattern: a table's own ({@code schema.table}) over its schema's
 * ({@code schema.*}) over everyone's ({@code *}); a table that matches none passes through unchanged.
 */
public final class Pipelines {

    /** A step of a pipeline, with the pipeline's pattern and the step's name for metrics. */
    public record NamedStep(String pipeline, String name, Step step) {}

    private final Map<String, List<NamedStep>> byPattern;

    Pipelines(Map<String, List<NamedStep>> byPattern) {
        this.byPattern = Map.copyOf(byPattern);
    }

    public static Pipelines none() {
        return new Pipelines(Map.of());
    }

    public List<NamedStep> forTable(TableName table) {
        List<NamedStep> steps = byPattern.get(table.toString());
        if (steps == null) {
            steps = byPattern.get(table.schema() + ".*");
        }
        if (steps == null) {
            steps = byPattern.get("*");
        }
        return steps == null ? List.of() : steps;
    }

    public boolean isEmpty() {
        return byPattern.isEmpty();
    }
}
