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

    private final PrometheusClient prometheus;

    public ReportBuilder(PrometheusClient prometheus) {
        this.prometheus = prometheus;
    }

    /** A report's id: the end of its window, to the second, then its name. */
    public static String id(String name, Instant end) {
        return ID.format(end) + "-" + name;
    }

    public ReportData build(String name, ReportDefinition definition, Instant end) {
        Duration range = DurationStyle.detectAndParse(definition.range() != null ? definition.range() : "24h");
        Duration step = definition.step() != null
                ? DurationStyle.detectAndParse(definition.step())
                : Duration.ofSeconds(Math.max(1, range.toSeconds() / 240));
        Instant start = end.minus(range);
        List<SectionData> sections = new ArrayList<>();
        List<Alert> alerts = new ArrayList<>();
        for (ReportDefinition.Section section : definition.sections()) {
            List<PanelData> panels = new ArrayList<>();
            for (Panel panel : section.panels()) {
                PanelData data = panel(panel, start, end, step);
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

    private PanelData panel(Panel panel, Instant start, Instant end, Duration step) {
        List<Series> results;
        try {
            results = panel.type() == PanelType.TIMESERIES
                    ? prometheus.queryRange(panel.query(), start, end, step)
                    : prometheus.query(panel.query(), end);
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
