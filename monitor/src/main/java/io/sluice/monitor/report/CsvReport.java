package io.sluice.monitor.report;

import io.sluice.monitor.prometheus.Series;
import io.sluice.monitor.report.ReportData.NamedSeries;
import io.sluice.monitor.report.ReportData.PanelData;
import io.sluice.monitor.report.ReportData.SectionData;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * A report's data as tidy CSV, one row per point: section, panel, series, one column per label any series has
 * (sorted), time (ISO-8601, UTC), value rounded to what it means (whole counts and bytes, else six significant
 * figures), unit, and the error of a panel that could not be drawn.
 */
public final class CsvReport {

    private CsvReport() {}

    public static String render(ReportData report) {
        java.util.SortedSet<String> labels = new java.util.TreeSet<>();
        for (SectionData section : report.sections()) {
            for (PanelData panel : section.panels()) {
                panel.series().forEach(s -> labels.addAll(s.labels().keySet()));
            }
        }
        labels.remove("__name__");
        java.util.List<String> header = new java.util.ArrayList<>(java.util.List.of("section", "panel", "series"));
        header.addAll(labels);
        header.addAll(java.util.List.of("time", "value", "unit", "error"));
        StringWriter out = new StringWriter();
        try (CSVPrinter csv = new CSVPrinter(
                out,
                CSVFormat.RFC4180
                        .builder()
                        .setHeader(header.toArray(String[]::new))
                        .get())) {
            for (SectionData section : report.sections()) {
                for (PanelData panel : section.panels()) {
                    String unit =
                            panel.panel().unit() == null ? "" : panel.panel().unit();
                    if (panel.error() != null) {
                        java.util.List<Object> row = new java.util.ArrayList<>(
                                java.util.List.of(section.title(), panel.panel().title(), ""));
                        labels.forEach(l -> row.add(""));
                        row.addAll(java.util.List.of("", "", unit, panel.error()));
                        csv.printRecord(row);
                    }
                    for (NamedSeries series : panel.series()) {
                        for (Series.Point point : series.points()) {
                            java.util.List<Object> row = new java.util.ArrayList<>(java.util.List.of(
                                    section.title(), panel.panel().title(), series.name()));
                            labels.forEach(l -> row.add(series.labels().getOrDefault(l, "")));
                            row.add(Instant.ofEpochMilli((long) (point.time() * 1000)));
                            row.add(Units.plain(point.value(), unit));
                            row.add(unit);
                            row.add("");
                            csv.printRecord(row);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
