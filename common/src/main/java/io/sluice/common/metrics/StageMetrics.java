package io.sluice.common.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.Topology;
import io.sluice.common.pg.TableName;

/**
 * The metrics every stage shares, named and tagged once: what dashboards, alerts, reports and the quickstart read
 * ({@code sluice_rows_total{stage,table,outcome}}, {@code sluice_dead_letters_total{stage,reason}}, {@code
 * sluice_batch_rows{stage}}, {@code sluice_messages_total{stage}}).
 */
public final class StageMetrics {

    private final MeterRegistry meters;
    private final String stage;

    public StageMetrics(MeterRegistry meters, Topology.Stage stage) {
        this.meters = meters;
        this.stage = stage.id();
    }

    /** Rows of a table that met an outcome at this stage ({@code published}, {@code relayed}, {@code merged}, …). */
    public Counter rows(TableName table, String outcome) {
        return SluiceMetric.ROWS
                .counter()
                .tags("stage", stage, "table", table.toString(), "outcome", outcome)
                .register(meters);
    }

    /** Messages this stage dead-lettered for a reason; call at start-up for each reason, so that it counts from 0. */
    public Counter deadLetters(String reason) {
        return SluiceMetric.DEAD_LETTERS
                .counter()
                .tags("stage", stage, "reason", reason)
                .register(meters);
    }

    /** Messages this stage has taken in. */
    public Counter messages() {
        return SluiceMetric.MESSAGES.counter().tag("stage", stage).register(meters);
    }

    /** Rows per batch this stage sends or writes. */
    public DistributionSummary batchRows(String description) {
        return SluiceMetric.BATCH_ROWS
                .summary()
                .description(description)
                .tag("stage", stage)
                .register(meters);
    }

    /** The rows counted so far at a stage with an outcome, over all tables (for displays in the same JVM). */
    public static long rows(MeterRegistry registry, String stage, String outcome) {
        return (long)
                registry.find(SluiceMetric.ROWS.meter()).tag("stage", stage).tag("outcome", outcome).counters().stream()
                        .mapToDouble(Counter::count)
                        .sum();
    }

    /** Every dead letter counted so far, over stages and reasons. */
    public static long deadLetters(MeterRegistry registry) {
        return (long) registry.find(SluiceMetric.DEAD_LETTERS.meter()).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }
}
