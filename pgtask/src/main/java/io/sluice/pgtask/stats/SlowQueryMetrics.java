package io.sluice.pgtask.stats;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.sluice.common.metrics.SluiceMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The top statements of each database's latest interval as gauges: execution time, calls and mean time, tagged by
 * database, queryid and the statement shortened to {@value #STATEMENT_LENGTH} characters (whitespace folded), so a
 * report or dashboard can say which statement it is; the whole text is over HTTP, {@code /slow-queries}. The top list
 * bounds the series.
 */
public final class SlowQueryMetrics {

    static final int STATEMENT_LENGTH = 80;

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
            SluiceMetric.PGTASK_QUERY_TIME.multiGauge().register(meters),
            SluiceMetric.PGTASK_QUERY_CALLS.multiGauge().register(meters),
            SluiceMetric.PGTASK_QUERY_MEAN.multiGauge().register(meters)
        });
        List<MultiGauge.Row<?>> time = new ArrayList<>();
        List<MultiGauge.Row<?>> calls = new ArrayList<>();
        List<MultiGauge.Row<?>> mean = new ArrayList<>();
        for (SlowQueries.Statement s : queries.latestInterval(database, top)) {
            Tags tags = Tags.of(
                    "database", database, "queryid", Long.toString(s.queryid()), "statement", shortened(s.query()));
            time.add(MultiGauge.Row.of(tags, s.totalTimeMs() / 1000));
            calls.add(MultiGauge.Row.of(tags, s.calls()));
            mean.add(MultiGauge.Row.of(tags, s.meanTimeMs() / 1000));
        }
        g[0].register(time, true);
        g[1].register(calls, true);
        g[2].register(mean, true);
    }

    /** A statement on one line, at most {@link #STATEMENT_LENGTH} characters, an ellipsis where it was cut. */
    static String shortened(String query) {
        String line = query == null ? "" : query.strip().replaceAll("\\s+", " ");
        return line.length() <= STATEMENT_LENGTH ? line : line.substring(0, STATEMENT_LENGTH - 1) + "…";
    }
}
