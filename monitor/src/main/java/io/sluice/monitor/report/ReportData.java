package io.sluice.monitor.report;

import io.sluice.monitor.prometheus.Series;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A report made: for each panel its series (or why its query failed), and the thresholds crossed in the period, most
 * severe first.
 */
public record ReportData(
        String id,
        String name,
        String title,
        Instant start,
        Instant end,
        String prometheus,
        List<SectionData> sections,
        List<Alert> alerts) {

    /** A section's panels. */
    public record SectionData(String title, List<PanelData> panels) {}

    /** A panel's result: its series, or the error that kept it from being drawn. */
    public record PanelData(ReportDefinition.Panel panel, List<NamedSeries> series, String error) {}

    /**
     * A series named by the panel's legend, with the value that judges it: its last value for a stat or a table, its
     * worst over the period for a time series.
     */
    public record NamedSeries(
            String name, Map<String, String> labels, List<Series.Point> points, double value, String level) {}

    /** A threshold crossed. */
    public record Alert(String level, String section, String panel, String series, double value, String unit) {}
}
