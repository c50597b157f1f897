package io.sluice.monitor.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A report as its YAML file describes it: a title, the time range it covers, and sections of panels, each a PromQL
 * query drawn as a time series, a single stat or a table, with thresholds that colour values and raise alerts.
 *
 * @param title the report's title
 * @param range the period covered, ending when the report is made, e.g. {@code 24h}
 * @param step the distance between points of time series; by default the range / 240
 * @param sections the report's sections in order
 */
public record ReportDefinition(String title, String range, String step, List<Section> sections) {

    /** A titled group of panels. */
    public record Section(String title, List<Panel> panels) {}

    /**
     * One query and how it is shown.
     *
     * @param title the panel's title
     * @param type {@code timeseries}, {@code stat} or {@code table}
     * @param query the PromQL
     * @param legend how a series is named, from its labels: {@code {{stage}} {{table}}}; by default all its labels
     * @param unit a unit shown with values: {@code rows/s}, {@code s}, {@code bytes}, {@code %}…
     * @param thresholds when a value is a warning or critical
     */
    public record Panel(
            String title, PanelType type, String query, String legend, String unit, Thresholds thresholds) {}

    /** How a panel is drawn. */
    public enum PanelType {
        @JsonProperty("timeseries")
        TIMESERIES,
        @JsonProperty("stat")
        STAT,
        @JsonProperty("table")
        TABLE
    }

    /**
     * Thresholds of a panel's values.
     *
     * @param warning the value from which it is a warning
     * @param critical the value from which it is critical
     * @param below whether low values are the bad ones (e.g. throughput), instead of high ones (e.g. lag)
     */
    public record Thresholds(Double warning, Double critical, boolean below) {

        /** {@code critical}, {@code warning} or null for a value. */
        public String level(double value) {
            if (!Double.isFinite(value)) {
                return null;
            }
            if (critical != null && (below ? value <= critical : value >= critical)) {
                return "critical";
            }
            if (warning != null && (below ? value <= warning : value >= warning)) {
                return "warning";
            }
            return null;
        }
    }
}
