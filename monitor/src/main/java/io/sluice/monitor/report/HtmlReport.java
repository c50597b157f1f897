package io.sluice.monitor.report;

import io.sluice.monitor.prometheus.Series;
import io.sluice.monitor.report.ReportData.Alert;
import io.sluice.monitor.report.ReportData.NamedSeries;
import io.sluice.monitor.report.ReportData.PanelData;
import io.sluice.monitor.report.ReportData.SectionData;
import io.sluice.monitor.report.ReportDefinition.PanelType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.web.util.HtmlUtils;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A report as one self-contained HTML file: the alerts first, then each section's panels — time series drawn by uPlot
 * (its script and style inlined, so the file opens anywhere without a network), single stats and tables coloured by
 * their thresholds, and for a panel whose query failed, why.
 */
public final class HtmlReport {

    private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String STYLE = """
            body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
            h1{margin-bottom:4px}.meta{color:#666;margin-top:0}section{margin:24px 0}
            .panels{display:flex;flex-wrap:wrap;gap:16px}.panel{border:1px solid #ddd;border-radius:6px;padding:12px;
            min-width:260px;flex:1 1 520px}.panel h3{margin:0 0 8px;font-size:15px}
            .error{color:#a00;background:#fee;padding:8px;border-radius:4px}
            .stat{display:inline-block;margin:4px 12px 4px 0}.stat b{font-size:24px;display:block}
            .warning{color:#b36b00}.critical{color:#c00;font-weight:bold}.ok{color:#1a7f37}
            table{border-collapse:collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
            .alerts li{margin:2px 0}.empty{color:#666}
            """;
    private static final String DRAW = """
            document.querySelectorAll('script[type="application/json"].chart').forEach(function (data) {
              var c = JSON.parse(data.textContent), host = data.nextElementSibling;
              var palette = ['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f'];
              var series = [{}].concat(c.series.map(function (s, i) {
                return {label: s.name, stroke: palette[i % palette.length], width: 1.5};
              }));
              var data2 = [c.times].concat(c.series.map(function (s) { return s.values; }));
              var own = c.unit === 'bytes' || c.unit === 's'; // the ticks carry these units themselves
              // What was drawn, readable in the page: the axis's span and the points.
              var drawn = function (u) {
                host.setAttribute('data-x-min', u.scales.x.min);
                host.setAttribute('data-x-max', u.scales.x.max);
                host.setAttribute('data-points', c.times.length);
              };
              new uPlot({width: host.clientWidth || 520, height: 240, series: series, hooks: {draw: [drawn]},
                         scales: {x: {time: true, range: function () { return [c.start, c.end]; }}},
                         axes: [{}, {label: own ? '' : (c.unit || ''), size: 80,
                                     values: function (u, ticks) {
                                       return ticks.map(function (t) { return sluiceFormat(t, c.unit); });
                                     }}]}, data2, host);
            });
            """;

    private final String uplotScript;
    private final String uplotStyle;

    public HtmlReport() {
        this.uplotScript = resource("uPlot.iife.min.js");
        this.uplotStyle = resource("uPlot.min.css");
    }

    public String render(ReportData report) {
        StringBuilder html = new StringBuilder(64 * 1024);
        html.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(report.title()))
                .append("</title><style>")
                .append(uplotStyle)
                .append(STYLE)
                .append("</style></head><body><h1>")
                .append(esc(report.title()))
                .append("</h1><p class=\"meta\">")
                .append(TIME.format(report.start()))
                .append(" – ")
                .append(TIME.format(report.end()))
                .append(" · Prometheus ")
                .append(esc(report.prometheus()))
                .append(" · report ")
                .append(esc(report.id()))
                .append("</p>");
        alerts(html, report.alerts());
        int chart = 0;
        for (SectionData section : report.sections()) {
            html.append("<section><h2>").append(esc(section.title())).append("</h2><div class=\"panels\">");
            for (PanelData panel : section.panels()) {
                html.append("<div class=\"panel\"><h3>")
                        .append(esc(panel.panel().title()))
                        .append("</h3>");
                if (panel.error() != null) {
                    html.append("<p class=\"error\">Not drawn: ")
                            .append(esc(panel.error()))
                            .append("</p>");
                } else if (panel.series().isEmpty()) {
                    html.append("<p class=\"empty\">No data in this period.</p>");
                } else if (panel.panel().type() == PanelType.TIMESERIES) {
                    html.append("<script type=\"application/json\" class=\"chart\" id=\"chart-")
                            .append(chart++)
                            .append("\">")
                            .append(scriptSafe(chartJson(panel, report.start(), report.end())))
                            .append("</script><div class=\"uplot-host\" data-title=\"")
                            .append(esc(panel.panel().title()))
                            .append("\"></div>");
                } else if (panel.panel().type() == PanelType.STAT) {
                    for (NamedSeries s : panel.series()) {
                        html.append("<span class=\"stat ")
                                .append(levelClass(s))
                                .append("\"><b>")
                                .append(esc(format(s.value(), panel.panel().unit())))
                                .append("</b>")
                                .append(esc(s.name()))
                                .append("</span>");
                    }
                } else {
                    html.append("<table><tr><th>series</th><th>value</th></tr>");
                    for (NamedSeries s : panel.series()) {
                        html.append("<tr><td>")
                                .append(esc(s.name()))
                                .append("</td><td class=\"")
                                .append(levelClass(s))
                                .append("\">")
                                .append(esc(format(s.value(), panel.panel().unit())))
                                .append("</td></tr>");
                    }
                    html.append("</table>");
                }
                html.append("</div>");
            }
            html.append("</div></section>");
        }
        html.append("<script>")
                .append(uplotScript)
                .append("</script><script>")
                .append(Units.SCRIPT)
                .append(DRAW)
                .append("</script>");
        return html.append("</body></html>").toString();
    }

    private static void alerts(StringBuilder html, List<Alert> alerts) {
        html.append("<section class=\"alerts\"><h2>Alerts</h2>");
        if (alerts.isEmpty()) {
            html.append("<p class=\"ok\">No threshold crossed in this period.</p></section>");
            return;
        }
        html.append("<ul>");
        for (Alert alert : alerts) {
            html.append("<li class=\"")
                    .append(alert.level())
                    .append("\">")
                    .append(alert.level().toUpperCase(Locale.ROOT))
                    .append(": ")
                    .append(esc(alert.section() + " › " + alert.panel() + " › " + alert.series()))
                    .append(" = ")
                    .append(esc(format(alert.value(), alert.unit())))
                    .append("</li>");
        }
        html.append("</ul></section>");
    }

    /** The panel's series on one time axis (uPlot's columns), missing points as null. */
    private static String chartJson(PanelData panel, java.time.Instant start, java.time.Instant end) {
        TreeSet<Double> times = new TreeSet<>();
        panel.series().forEach(s -> s.points().forEach(p -> times.add(p.time())));
        List<Double> axis = new ArrayList<>(times);
        List<Map<String, Object>> series = new ArrayList<>();
        for (NamedSeries s : panel.series()) {
            Map<Double, Double> byTime = new LinkedHashMap<>();
            for (Series.Point p : s.points()) {
                byTime.put(p.time(), Double.isFinite(p.value()) ? p.value() : null);
            }
            series.add(Map.of(
                    "name", s.name(), "values", axis.stream().map(byTime::get).toList()));
        }
        Map<String, Object> chart = new LinkedHashMap<>();
        chart.put("unit", panel.panel().unit() == null ? "" : panel.panel().unit());
        chart.put("start", start.getEpochSecond()); // the axis spans the report's window, whatever data it holds
        chart.put("end", end.getEpochSecond());
        chart.put("times", axis);
        chart.put("series", series);
        return JSON.writeValueAsString(chart);
    }

    private static String levelClass(NamedSeries s) {
        return s.level() == null ? "" : s.level();
    }

    static String format(double value, String unit) {
        return Units.format(value, unit);
    }

    private static String esc(String text) {
        return text == null ? "" : HtmlUtils.htmlEscape(text, "UTF-8");
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(UPLOT + name)) {
            if (in == null) {
                throw new IllegalStateException("uPlot's " + name + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * JSON safe inside a script element: {@code <}, {@code >} and {@code &} as their JSON escapes, so no series name
     * (a table called {@code <!--<script>} or {@code </script>}) can end the element or switch the parser's state.
     */
    static String scriptSafe(String json) {
        return json.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
    }
}
