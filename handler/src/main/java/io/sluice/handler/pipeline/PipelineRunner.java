package io.sluice.handler.pipeline;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.pg.TableName;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Runs a batch through its table's pipeline, measuring each step: time per batch, rows in, out, dropped, dead. */
public final class PipelineRunner {

    /** A shaped batch, the rows the steps rejected (by reason), and where it goes (null: every target). */
    public record Result(
            ChangeBatch output,
            Map<String, ChangeBatch> rejected,
            int dropped,
            List<String> targets,
            WorkingBatch.Sharding sharding) {}

    private final Pipelines pipelines;
    private final MeterRegistry meters;

    public PipelineRunner(Pipelines pipelines, MeterRegistry meters) {
        this.pipelines = pipelines;
        this.meters = meters;
    }

    /** Whether a table of a source has steps to run. */
    public boolean hasPipeline(String source, TableName table) {
        return !pipelines.forTable(source, table).isEmpty();
    }

    /** The shaped batch, or empty when the table has no pipeline (the batch passes as it is). */
    public Optional<Result> run(ChangeBatch batch) {
        List<Pipelines.NamedStep> steps = pipelines.forTable(batch.source(), batch.table());
        if (steps.isEmpty() || batch.isSchemaChange()) {
            return Optional.empty();
        }
        WorkingBatch working = new WorkingBatch(batch);
        for (Pipelines.NamedStep step : steps) {
            int in = working.rows().size();
            int dropped = working.dropped();
            int dead = working.rejected().size();
            long start = System.nanoTime();
            step.step().apply(working);
            SluiceMetric.HANDLER_STEP
                    .timer()
                    .tags("pipeline", step.pipeline(), "step", step.name())
                    .register(meters)
                    .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            count(step, "in", in);
            count(step, "out", working.rows().size());
            count(step, "dropped", working.dropped() - dropped);
            count(step, "dead", working.rejected().size() - dead);
        }
        return Optional.of(new Result(
                working.output(), working.rejectedBatches(), working.dropped(), working.targets(), working.sharding()));
    }

    private void count(Pipelines.NamedStep step, String outcome, int rows) {
        SluiceMetric.HANDLER_STEP_ROWS
                .counter()
                .tags("pipeline", step.pipeline(), "step", step.name(), "outcome", outcome)
                .register(meters)
                .increment(rows);
    }
}
