package io.sluice.monitor.prometheus;

import java.util.List;
import java.util.Map;

/**
 * One result series of a query: its labels, and its points (epoch seconds, value) — one point for an instant query.
 */
public record Series(Map<String, String> labels, List<Point> points) {

    /** A value at a time; NaN and infinities are kept as Prometheus gives them. */
    public record Point(double time, double value) {}

    /** The last value, or NaN without points. */
    public double last() {
        return points.isEmpty() ? Double.NaN : points.getLast().value();
    }

    /** The highest finite value, or NaN without finite points. */
    public double max() {
        return points.stream()
                .mapToDouble(Point::value)
                .filter(Double::isFinite)
                .max()
                .orElse(Double.NaN);
    }
}
