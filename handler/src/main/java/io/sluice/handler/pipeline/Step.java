package io.sluice.handler.pipeline;

/** One step of a table's pipeline, applied to a batch in place. */
@FunctionalInterface
public interface Step {

    void apply(WorkingBatch batch);
}
