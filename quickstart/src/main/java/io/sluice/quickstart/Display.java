package io.sluice.quickstart;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.metrics.StageMetrics;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What the user watches: start-up steps, then once a second the rows per second at each stage, the lag, what waits in
 * the queues and the dead letters — redrawn in place on a terminal, or a line every few seconds into a file or pipe.
 */
final class Display {

    /** How the live figures are shown. */
    enum Mode {
        AUTO,
        LIVE,
        PLAIN
    }

    private static final int PLAIN_EVERY_SECONDS = 5;

    private final PrintStream out;
    private final boolean live;
    private Sample last;
    private int seconds;

    /** One reading of the counters; rates come from the difference of two. */
    record Sample(long at, long source, long getter, long handler, long loader, double lagSeconds, long lagCount) {}

    Display(PrintStream out, Mode mode) {
        this.out = out;
        this.live = mode == Mode.LIVE || (mode == Mode.AUTO && System.console() != null);
    }

    void step(String what) {
        out.println("  > " + what);
    }

    void say(String line) {
        out.println(line);
    }

    void header() {
        out.println();
        out.println(String.format(
                Locale.ROOT,
                "  %6s | %9s | %9s | %9s | %9s | %8s | %7s | %5s",
                "time",
                "source/s",
                "getter/s",
                "handler/s",
                "loader/s",
                "lag",
                "queued",
                "dead"));
    }

    /** Reads the services' meters and shows the figures of the last second (called once a second). */
    void tick(Map<String, MeterRegistry> meters, LongSupplier sourceChanges) {
        Sample now = sample(meters, sourceChanges.getAsLong());
        seconds++;
        if (last != null && (live || seconds % PLAIN_EVERY_SECONDS == 0)) {
            double elapsed = Math.max(1e-3, (now.at() - last.at()) / 1e9);
            long lagCount = now.lagCount() - last.lagCount();
            String lag = lagCount == 0
                    ? "-"
                    : String.format(Locale.ROOT, "%.0f ms", 1000 * (now.lagSeconds() - last.lagSeconds()) / lagCount);
            String line = String.format(
                    Locale.ROOT,
                    "  %5ds | %9s | %9s | %9s | %9s | %8s | %7s | %5s",
                    seconds,
                    rate(now.source() - last.source(), elapsed),
                    rate(now.getter() - last.getter(), elapsed),
                    rate(now.handler() - last.handler(), elapsed),
                    rate(now.loader() - last.loader(), elapsed),
                    lag,
                    count(queued(meters)),
                    count(deadLetters(meters)));
            if (live) {
                out.print("\r\033[2K" + line);
                out.flush();
            } else {
                out.println(line);
            }
        }
        if (last == null || live || seconds % PLAIN_EVERY_SECONDS == 0) {
            last = now;
        }
    }

    /** Ends the live line, so what follows starts on its own. */
    void endLive() {
        if (live && last != null) {
            out.println();
        }
    }

    static Sample sample(Map<String, MeterRegistry> meters, long sourceChanges) {
        Timer lag = meters.containsKey("loader")
                ? meters.get("loader").find(SluiceMetric.LAG.meter()).timer()
                : null;
        return new Sample(
                System.nanoTime(),
                sourceChanges,
                rows(meters, "getter", "published"),
                rows(meters, "handler", "relayed"),
                rows(meters, "loader", "merged"),
                lag == null ? 0 : lag.totalTime(TimeUnit.SECONDS),
                lag == null ? 0 : lag.count());
    }

    /** Rows counted by a stage with an outcome ({@code sluice_rows_total}), over all tables. */
    static long rows(Map<String, MeterRegistry> meters, String stage, String outcome) {
        MeterRegistry registry = meters.get(stage);
        if (registry == null) {
            return 0;
        }
        return StageMetrics.rows(registry, stage, outcome);
    }

    static long deadLetters(Map<String, MeterRegistry> meters) {
        return meters.values().stream().mapToLong(StageMetrics::deadLetters).sum();
    }

    /** Messages waiting in the work queues, as the loader's broker gauges read them. */
    static long queued(Map<String, MeterRegistry> meters) {
        MeterRegistry registry = meters.get("loader");
        if (registry == null) {
            return 0;
        }
        double sum = registry.find(SluiceMetric.QUEUE_MESSAGES.meter()).gauges().stream()
                .filter(g -> !g.getId().getTag("queue").contains(".dead."))
                .mapToDouble(Gauge::value)
                .filter(v -> !Double.isNaN(v))
                .sum();
        return (long) sum;
    }

    private static String rate(long rows, double seconds) {
        return count(Math.round(rows / seconds));
    }

    private static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
