package io.sluice.handler.pipeline;

import io.sluice.common.pg.TableName;
import java.util.List;
import java.util.Map;

/**
 * The pipelines of a handler, by table pattern, optionally for one source: a table's own ({@code schema.table}) over
 * its schema's ({@code schema.*}) over everyone's ({@code *}); a table that matches none passes through unchanged.
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

    /** The steps for a table of any source: its own pipeline, else its schema's, else everyone's. */
    public List<NamedStep> forTable(TableName table) {
        return forTable(null, table);
    }

    /**
     * The steps for a table of a source: a pattern may name the source first ({@code crm:public.users},
     * {@code crm:public.*}, {@code crm:*}), and such a pattern wins over the same one without a source.
     */
    public List<NamedStep> forTable(String source, TableName table) {
        for (String pattern : table.patterns()) {
            List<NamedStep> steps = source == null ? null : byPattern.get(source + ":" + pattern);
            if (steps == null) {
                steps = byPattern.get(pattern);
            }
            if (steps != null) {
                return steps;
            }
        }
        return List.of();
    }

    public boolean isEmpty() {
        return byPattern.isEmpty();
    }
}
