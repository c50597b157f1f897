package io.sluice.pgtask.stats;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The top statements of each database's latest interval as gauges: execution time, calls and mean time, tagged by
 * database and queryid (the statement text is over HTTP, {@code /slow-queries}; a label would be too long).
 */
public final class SlowQueryMetrics {

    private final SlowQueries queries;
    private final int top;
    private final Map<String, MultiGauge[]> gauges = new ConcurrentHashMap<>();
    private final MeterRegistry meters;

    public SlowQueryMetrics(SlowQueries queries, int top, MeterRegistry meters) {
        this.queries = queries;
        this.top = top;
        this.meters = meters;
    }

    void update(String database) {
        MultiGauge[] g = gauges.computeIfAbsent(database, d -> new MultiGauge[] {
            MultiGauge.builder("sluice.pgtask.query.time")
                    .description("execution time of a top statement in the last interval, seconds")
                    .baseUnit("seconds")
                    .register(meters),
            MultiGauge.builder("sluice.pgtask.query.calls")
                    .description("calls of a top statement in the last interval")
                    .register(meters),
            MultiGauge.builder("sluice.pgtask.query.mean")
                    .description("mean execution time of a top statement in the last interval, seconds")
                    .baseUnit("seconds")
                    .register(meters)
        });
        List<MultiGauge.Row<?>> time = new ArrayList<>();
        List<MultiGauge.Row<?>> calls = new ArrayList<>();
        List<MultiGauge.Row<?>> mean = new ArrayList<>();
        for (SlowQueries.Statement s : queries.latestInterval(database, top)) {
            Tags tags = Tags.of("database", database, "queryid", Long.toString(s.queryid()));
            time.add(MultiGauge.Row.of(tags, s.totalTimeMs() / 1000));
            calls.add(MultiGauge.Row.of(tags, s.calls()));
            mean.add(MultiGauge.Row.of(tags, s.meanTimeMs() / 1000));
        }
        g[0].register(time, true);
        g[1].register(calls, true);
        g[2].register(mean, true);
    }
}
