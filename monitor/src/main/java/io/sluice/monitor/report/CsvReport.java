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

/** A report's data as CSV, one row per point: section, panel, series, time (ISO-8601, UTC), value, error. */
public final class CsvReport {

    private CsvReport() {}

    public static String render(ReportData report) {
        StringWriter out = new StringWriter();
        try (CSVPrinter csv = new CSVPrinter(
                out,
                CSVFormat.RFC4180
                        .builder()
                        .setHeader("section", "panel", "series", "time", "value", "error")
                        .get())) {
            for (SectionData section : report.sections()) {
                for (PanelData panel : section.panels()) {
                    if (panel.error() != null) {
                        csv.printRecord(section.title(), panel.panel().title(), "", "", "", panel.error());
                    }
                    for (NamedSeries series : panel.series()) {
                        for (Series.Point point : series.points()) {
                            csv.printRecord(
                                    section.title(),
                                    panel.panel().title(),
                                    series.name(),
                                    Instant.ofEpochMilli((long) (point.time() * 1000)),
                                    point.value(),
                                    "");
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
