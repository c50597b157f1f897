package io.sluice.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A benchmark's table of measurements and its closing {@code RESULT key=value …} line. */
final class Report {

    private record Line(String measurement, long rows, double seconds, String note) {
        double rate() {
            return rows / Math.max(seconds, 1e-9);
        }
    }

    private final String title;
    private final List<Line> lines = new ArrayList<>();
    private final Map<String, String> results = new LinkedHashMap<>();
    private final List<String> text = new ArrayList<>();

    Report(String title) {
        this.title = title;
    }

    /** Adds a measured rate; {@code key} names it on the RESULT line (null keeps it off). */
    double add(String measurement, String key, long rows, double seconds, String note) {
        Line line = new Line(measurement, rows, seconds, note);
        lines.add(line);
        if (key != null) {
            results.put(key, String.format(Locale.ROOT, "%.0f", line.rate()));
        }
        return line.rate();
    }

    /** Lines printed under the table, before the RESULT line. */
    void text(List<String> lines) {
        text.addAll(lines);
    }

    void result(String key, String value) {
        results.put(key, value);
    }

    /** Puts these keys first on the RESULT line, in this order (the order an issue asks for). */
    void orderResults(String... keys) {
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String key : keys) {
            if (results.containsKey(key)) {
                ordered.put(key, results.get(key));
            }
        }
        ordered.putAll(results);
        results.clear();
        results.putAll(ordered);
    }

    void print(PrintStream out) {
        out.println();
        out.println(title);
        out.printf(Locale.ROOT, "%-46s %12s %10s %14s  %s%n", "measurement", "rows", "seconds", "rows/s", "note");
        for (Line line : lines) {
            out.printf(
                    Locale.ROOT,
                    "%-46s %12d %10.2f %14.0f  %s%n",
                    line.measurement(),
                    line.rows(),
                    line.seconds(),
                    line.rate(),
                    line.note());
        }
        if (!text.isEmpty()) {
            out.println();
            text.forEach(out::println);
        }
        StringBuilder result = new StringBuilder("RESULT");
        results.forEach((k, v) -> result.append(' ').append(k).append('=').append(v));
        out.println(result);
    }
}
