package io.sluice.common.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Timer;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The metric catalogue: every metric a Sluice service exports, with its meter name, kind, unit, tags and meaning,
 * written once. Services register meters only through these builders; docs, dashboards, alerts and reports are tested
 * against {@link #prometheusName()} and {@link #series()}.
 */
public enum SluiceMetric {
    ROWS(
            "sluice.rows",
            Kind.COUNTER,
            "",
            "rows of a table that met an outcome at a stage",
            "stage",
            "table",
            "outcome"),
    DEAD_LETTERS(
            "sluice.dead.letters", Kind.COUNTER, "", "messages a stage dead-lettered, by reason", "stage", "reason"),
    MESSAGES("sluice.messages", Kind.COUNTER, "", "messages a stage has taken in (done, just before the ack)", "stage"),
    BATCH_ROWS("sluice.batch.rows", Kind.SUMMARY, "", "rows per batch a stage sends or writes", "stage"),
    BATCH(
            "sluice.batch",
            Kind.TIMER,
            "seconds",
            "time to write one group of messages to the target, commit included",
            "stage"),
    LAG("sluice.lag", Kind.TIMER, "seconds", "source commit to target commit, per batch (its newest row)", "stage"),
    PAUSED("sluice.paused", Kind.GAUGE, "", "1 while this replica's stage is paused (sluice pause), else 0", "stage"),
    PAUSED_SINCE(
            "sluice.paused.since",
            Kind.GAUGE,
            "timestamp_seconds",
            "when the pause began (0 when not paused)",
            "stage"),
    QUEUE_MESSAGES("sluice.queue.messages", Kind.GAUGE, "", "messages ready in the queue", "queue"),
    QUEUE_CONSUMERS("sluice.queue.consumers", Kind.GAUGE, "", "consumers of the queue", "queue"),
    GETTER_IN_FLIGHT_BYTES(
            "sluice.getter.in.flight.bytes",
            Kind.GAUGE,
            "",
            "message bytes published and not yet confirmed by the broker",
            "origin"),
    SLOT_LAG_BYTES(
            "sluice.slot.lag.bytes",
            Kind.GAUGE,
            "",
            "WAL the slot holds that the getter has not confirmed",
            "source",
            "slot"),
    CAPTURE_SKIPPED_TABLES(
            "sluice.capture.skipped.tables",
            Kind.GAUGE,
            "",
            "tables matching the capture set that are not captured (keyless, or not publishable by the capture role):"
                    + " health says which and why",
            "source"),
    SNAPSHOT_CHUNKS(
            "sluice.snapshot.chunks",
            Kind.GAUGE,
            "",
            "chunks of the snapshot being read (state=total) and confirmed (state=done)",
            "source",
            "state"),
    SNAPSHOT_ROWS("sluice.snapshot.rows", Kind.COUNTER, "", "rows read by snapshots and confirmed", "source", "table"),
    GETTER_FILES(
            "sluice.getter.files",
            Kind.COUNTER,
            "",
            "files a file source finished, by outcome (done, quarantined, failed)",
            "source",
            "outcome"),
    HANDLER_STEP("sluice.handler.step", Kind.TIMER, "seconds", "time of one step on one batch", "pipeline", "step"),
    HANDLER_STEP_ROWS(
            "sluice.handler.step.rows",
            Kind.COUNTER,
            "",
            "rows into and out of a step (in, out, dropped, dead)",
            "pipeline",
            "step",
            "outcome"),
    TOAST_GAPS_OPEN(
            "sluice.toast.gaps.open",
            Kind.GAUGE,
            "",
            "target values the source did not send and no version in the target holds"),
    PGTASK_RUNS("sluice.pgtask.runs", Kind.COUNTER, "", "job runs by outcome, each from 0", "task", "kind", "outcome"),
    PGTASK_RUN("sluice.pgtask.run", Kind.TIMER, "seconds", "time of a job run", "task", "kind"),
    PGTASK_LAST_SUCCESS(
            "sluice.pgtask.last.success.timestamp",
            Kind.GAUGE,
            "seconds",
            "when the task last succeeded, seconds since the epoch (0: not yet)",
            "task"),
    PGTASK_QUERY_TIME(
            "sluice.pgtask.query.time",
            Kind.GAUGE,
            "seconds",
            "execution time of a top statement in the last interval",
            "database",
            "queryid",
            "statement"),
    PGTASK_QUERY_CALLS(
            "sluice.pgtask.query.calls",
            Kind.GAUGE,
            "",
            "calls of a top statement in the last interval",
            "database",
            "queryid",
            "statement"),
    PGTASK_QUERY_MEAN(
            "sluice.pgtask.query.mean",
            Kind.GAUGE,
            "seconds",
            "mean execution time of a top statement in the last interval",
            "database",
            "queryid",
            "statement"),
    CHECK_MISMATCHED_KEYS(
            "sluice.pgtask.check.mismatched.keys",
            Kind.GAUGE,
            "",
            "keys that differ between source and target at the check's last run",
            "check",
            "table"),
    CHECK_LAG(
            "sluice.pgtask.check.lag",
            Kind.GAUGE,
            "seconds",
            "how far the target's latest row trails the source's",
            "check"),
    CHECK_RULE_VIOLATIONS(
            "sluice.pgtask.check.rule.violations",
            Kind.GAUGE,
            "",
            "target rows that break the check's rules at its last run",
            "check");

    /** How a meter is exported, which decides its Prometheus series. */
    public enum Kind {
        COUNTER,
        GAUGE,
        TIMER,
        SUMMARY
    }

    private final String meter;
    private final Kind kind;
    private final String baseUnit;
    private final String description;
    private final List<String> tags;

    SluiceMetric(String meter, Kind kind, String baseUnit, String description, String... tags) {
        this.meter = meter;
        this.kind = kind;
        this.baseUnit = baseUnit;
        this.description = description;
        this.tags = List.of(tags);
    }

    /** The Micrometer name, e.g. {@code sluice.rows}. */
    public String meter() {
        return meter;
    }

    public Kind kind() {
        return kind;
    }

    public String description() {
        return description;
    }

    /** The tag keys the meter carries, besides the {@code application} every meter has. */
    public List<String> tags() {
        return tags;
    }

    /** The name Prometheus shows, as Micrometer's Prometheus naming makes it, e.g. {@code sluice_rows_total}. */
    public String prometheusName() {
        String base = meter.replace('.', '_') + (baseUnit.isEmpty() ? "" : "_" + baseUnit);
        return kind == Kind.COUNTER ? base + "_total" : base;
    }

    /** Every series name the meter appears under on {@code /actuator/prometheus}. */
    public Set<String> series() {
        String name = prometheusName();
        return switch (kind) {
            case COUNTER, GAUGE -> Set.of(name);
            case TIMER, SUMMARY -> Set.of(name + "_count", name + "_sum", name + "_max", name + "_bucket");
        };
    }

    /** The catalogue entry a Prometheus name (or one of its series) belongs to. */
    public static Optional<SluiceMetric> ofSeries(String name) {
        return Arrays.stream(values())
                .filter(m -> m.prometheusName().equals(name) || m.series().contains(name))
                .findFirst();
    }

    /** Every Prometheus name and series name in the catalogue. */
    public static Set<String> allNames() {
        Set<String> names = new LinkedHashSet<>();
        for (SluiceMetric m : values()) {
            names.add(m.prometheusName());
            names.addAll(m.series());
        }
        return names;
    }

    public Counter.Builder counter() {
        require(Kind.COUNTER);
        return Counter.builder(meter).description(description);
    }

    public <T> Gauge.Builder<T> gauge(T state, ToDoubleFunction<T> value) {
        require(Kind.GAUGE);
        Gauge.Builder<T> builder = Gauge.builder(meter, state, value).description(description);
        return baseUnit.isEmpty() ? builder : builder.baseUnit(baseUnit);
    }

    public MultiGauge.Builder multiGauge() {
        require(Kind.GAUGE);
        MultiGauge.Builder builder = MultiGauge.builder(meter).description(description);
        return baseUnit.isEmpty() ? builder : builder.baseUnit(baseUnit);
    }

    public Timer.Builder timer() {
        require(Kind.TIMER);
        return Timer.builder(meter).description(description);
    }

    public DistributionSummary.Builder summary() {
        require(Kind.SUMMARY);
        return DistributionSummary.builder(meter).description(description);
    }

    private void require(Kind expected) {
        if (kind != expected) {
            throw new IllegalStateException(meter + " is a " + kind + ", not a " + expected);
        }
    }
}
