package io.sluice.monitor.report;

import io.sluice.monitor.prometheus.PrometheusClient;
import io.sluice.monitor.prometheus.Series;
import io.sluice.monitor.report.ReportData.Alert;
import io.sluice.monitor.report.ReportData.NamedSeries;
import io.sluice.monitor.report.ReportData.PanelData;
import io.sluice.monitor.report.ReportData.SectionData;
import io.sluice.monitor.report.ReportDefinition.Panel;
import io.sluice.monitor.report.ReportDefinition.PanelType;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springframework.boot.convert.DurationStyle;

/**
 * Makes a report: runs each panel's query over the report's period, names the series by the panel's legend, judges
 * values against thresholds. A query that fails (Prometheus down, a wrong query) fails its panel only, which says why;
 * the rest of the report is made.
 */
public final class ReportBuilder {

    private static final Pattern LABEL = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}");
    private static final DateTimeFormatter ID =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /**
     * When a Sluice service was first scraped in a span ending at the query's time: the earliest sample of
     * {@code process_start_time_seconds}, which every service exports, at a resolution of the second argument.
     */
    private static final String FIRST_SAMPLE =
            "min(min_over_time(timestamp(process_start_time_seconds{application=~\"sluice-.*\"})[%ds:%ds]))";

    private final PrometheusClient prometheus;
    private final Duration scrapeInterval;

    public ReportBuilder(PrometheusClient prometheus, Duration scrapeInterval) {
        this.prometheus = prometheus;
        this.scrapeInterval = scrapeInterval;
    }

    /**
     * The window a report covers, and the step and rate window its queries use. The window is the definition's range
     * ending at {@code end}, shortened to where the data begins, the first scrape of a Sluice service in it (a
     * quickstart of one minute gets a report of that minute, not of a day). The step gives about 240 points. The rate
     * window is Grafana's {@code $__rate_interval}: the larger of step + scrape interval and four scrape intervals, so
     * a short run gets a short window.
     */
    record Window(Instant start, Instant end, Duration step, Duration rate) {

        /** The query with {@code $__rate_interval}, {@code $__range} and {@code $__interval} filled in. */
        String fill(String query) {
            return query.replace("$__rate_interval", rate.toSeconds() + "s")
                    .replace(
                            "$__range", Math.max(1, Duration.between(start, end).toSeconds()) + "s")
                    .replace("$__interval", step.toSeconds() + "s");
        }
    }

    Window window(ReportDefinition definition, Instant end) {
        Duration range = DurationStyle.detectAndParse(definition.range() != null ? definition.range() : "24h");
        Instant start = end.minus(range);
        try {
            start = dataStart(start, end);
        } catch (RuntimeException e) {
            // Prometheus down: the panels say so; the window stays the definition's
        }
        Duration span = Duration.between(start, end);
        Duration step = definition.step() != null
                ? DurationStyle.detectAndParse(definition.step())
                : Duration.ofSeconds(Math.max(1, span.toSeconds() / 240));
        Duration rate = step.plus(scrapeInterval).compareTo(scrapeInterval.multipliedBy(4)) > 0
                ? step.plus(scrapeInterval)
                : scrapeInterval.multipliedBy(4);
        return new Window(start, end, step, Duration.ofSeconds(Math.max(1, rate.toSeconds())));
    }

    /** A report's id: the end of its window, to the second, then its name. */
    public static String id(String name, Instant end) {
        return ID.format(end) + "-" + name;
    }

    /**
     * Where the data in [{@code start}, {@code end}] begins. First finely, at the scrape interval, over the last hour
     * (a run of minutes is found to the scrape); else, for older data, coarsely over the whole range, at a thousandth
     * of it. Subqueries evaluate at multiples of their resolution, so each pass is trusted only well inside its span.
     */
    private Instant dataStart(Instant start, Instant end) {
        long range = Duration.between(start, end).toSeconds();
        long scrape = Math.max(1, scrapeInterval.toSeconds());
        long recent = Math.min(range, 3600);
        double fine = earliest(String.format(FIRST_SAMPLE, recent, scrape), end);
        if (Double.isFinite(fine) && fine > end.getEpochSecond() - recent + 2 * scrape) {
            return Instant.ofEpochSecond((long) fine);
        }
        if (range > recent) {
            long coarse = Math.max(scrape, range / 1000);
            double found = earliest(String.format(FIRST_SAMPLE, range, coarse), end);
            if (Double.isFinite(found) && found > start.getEpochSecond() + 2 * coarse) {
                return Instant.ofEpochSecond((long) found);
            }
        }
        return start;
    }

    private double earliest(String query, Instant at) {
        return prometheus.query(query, at).stream()
                .mapToDouble(Series::last)
                .filter(Double::isFinite)
                .min()
                .orElse(Double.NaN);
    }

    public ReportData build(String name, ReportDefinition definition, Instant end) {
        Window window = window(definition, end);
        Instant start = window.start();
        List<SectionData> sections = new ArrayList<>();
        List<Alert> alerts = new ArrayList<>();
        for (ReportDefinition.Section section : definition.sections()) {
            List<PanelData> panels = new ArrayList<>();
            for (Panel panel : section.panels()) {
                PanelData data = panel(panel, window);
                panels.add(data);
                for (NamedSeries series : data.series()) {
                    if (series.level() != null) {
                        alerts.add(new Alert(
                                series.level(),
                                section.title(),
                                panel.title(),
                                series.name(),
                                series.value(),
                                panel.unit()));
                    }
                }
            }
            sections.add(new SectionData(section.title(), panels));
        }
        alerts.sort(Comparator.comparing((Alert a) -> a.level().equals("critical") ? 0 : 1));
        return new ReportData(
                id(name, end),
                name,
                definition.title(),
                start,
                end,
                prometheus.base().toString(),
                sections,
                alerts);
    }

    private PanelData panel(Panel panel, Window window) {
        List<Series> results;
        String query = window.fill(panel.query());
        try {
            results = panel.type() == PanelType.TIMESERIES
                    ? prometheus.queryRange(query, window.start(), window.end(), window.step())
                    : prometheus.query(query, window.end());
        } catch (RuntimeException e) {
            return new PanelData(panel, List.of(), e.getMessage());
        }
        List<NamedSeries> named = new ArrayList<>();
        for (Series series : results) {
            double value = judged(panel, series);
            String level =
                    panel.thresholds() == null ? null : panel.thresholds().level(value);
            named.add(new NamedSeries(name(panel, series.labels()), series.labels(), series.points(), value, level));
        }
        named.sort(Comparator.comparing(NamedSeries::name));
        return new PanelData(panel, named, null);
    }

    /** The value thresholds judge: the last one, or for a time series the worst one of the period. */
    private static double judged(Panel panel, Series series) {
        if (panel.type() != PanelType.TIMESERIES) {
            return series.last();
        }
        boolean below = panel.thresholds() != null && panel.thresholds().below();
        return below
                ? series.points().stream()
                        .mapToDouble(Series.Point::value)
                        .filter(Double::isFinite)
                        .min()
                        .orElse(Double.NaN)
                : series.max();
    }

    static String name(Panel panel, Map<String, String> labels) {
        if (panel.legend() != null) {
            Matcher m = LABEL.matcher(panel.legend());
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(labels.getOrDefault(m.group(1), "")));
            }
            m.appendTail(out);
            return out.toString().trim();
        }
        return labels.isEmpty()
                ? panel.title()
                : labels.entrySet().stream()
                        .filter(e -> !e.getKey().equals("__name__"))
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(", "));
    }
}
