package io.sluice.bench;

import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * The whole pipeline — getter, handler and loader, each its own JVM — from a source PostgreSQL to a target one (two
 * clusters), beside PostgreSQL's own logical replication (a subscription in the target) on the same workload, same run:
 * sustained rows/s for inserts of the seed table, source-commit → target-commit latency at a fixed rate (the loader's
 * {@code sluice_lag_seconds} histogram), CPU seconds per million rows and peak RSS per service.
 */
final class EndToEndBench {

    private static final String TABLE = "(id int8 PRIMARY KEY, c1 int, c2 int, info text, crt_time timestamp)";

    private final int rows;
    private final int rate;
    private final int rateSeconds;
    private final RabbitBroker broker = RabbitBroker.get();
    private final String prefix = RabbitBroker.uniquePrefix("bench");

    EndToEndBench(boolean quick) {
        this.rows = quick ? 200_000 : 1_000_000;
        this.rate = quick ? 5_000 : 20_000;
        this.rateSeconds = quick ? 10 : 30;
    }

    Report run() throws Exception {
        Report report = new Report(
                "e2e: " + rows + " feed_log inserts (after " + rows / 4 + " to warm up) through getter → handler →"
                        + " loader (separate JVMs),"
                        + " then " + rate + " rows/s for " + rateSeconds + " s; beside native logical replication");
        EmbeddedPostgres sourceServer = EmbeddedPostgres.start();
        EmbeddedPostgres targetServer = EmbeddedPostgres.start();
        TestDatabase source = new TestDatabase("bench_source", sourceServer.jdbcUrl("postgres"));
        TestDatabase target = new TestDatabase("bench_target", targetServer.jdbcUrl("postgres"));
        source.execute(
                "CREATE TABLE feed_log " + TABLE,
                "CREATE TABLE feed_native " + TABLE,
                "CREATE PUBLICATION native FOR TABLE feed_native");
        target.execute("CREATE TABLE feed_native " + TABLE);
        List<ServiceProcess> services = new ArrayList<>();
        try {
            services.addAll(BenchPipeline.start(
                    broker,
                    prefix,
                    "bench",
                    source,
                    target,
                    "--sluice.getter.cdc.sources[0].tables=public.feed_log",
                    "--sluice.getter.cdc.sources[0].snapshot-mode=never"));
            ServiceProcess loader = services.get(0);
            await(
                    () -> source.queryLong(
                            "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'bench'" + " AND active"),
                    1);

            MachineCpu machine = new MachineCpu(
                    Map.of(
                            services.get(0).pid(),
                            "loader",
                            services.get(1).pid(),
                            "handler",
                            services.get(2).pid(),
                            "getter"),
                    Map.of(sourceServer.port(), "source PostgreSQL", targetServer.port(), "target PostgreSQL"));
            // Sustained, not cold: a quarter as many rows first, so that the JVMs' JIT has compiled the hot code.
            long warm = rows / 4;
            insert(source, "feed_log", 1, warm);
            awaitRows(target, "feed_log", warm);
            Map<String, Double> cpuBefore = machine.sample();
            long start = System.nanoTime();
            insert(source, "feed_log", warm + 1, rows);
            awaitRows(target, "feed_log", warm + rows);
            double e2e = report.add(
                    "Sluice: getter → handler → loader, inserts",
                    "e2e_rows_s",
                    rows,
                    (System.nanoTime() - start) / 1e9,
                    "from the first insert until the target has them all");
            Map<String, Double> sluiceCpu = MachineCpu.between(cpuBefore, machine.sample());

            Map<Double, Double> bucketsBefore = buckets(loader);
            paced(source, warm + rows + 1);
            awaitRows(target, "feed_log", warm + rows + (long) rate * rateSeconds);
            Map<Double, Double> lag = delta(buckets(loader), bucketsBefore);
            report.result("p50_ms", String.format(Locale.ROOT, "%.0f", quantile(lag, 0.5) * 1000));
            report.result("p99_ms", String.format(Locale.ROOT, "%.0f", quantile(lag, 0.99) * 1000));

            target.execute("CREATE SUBSCRIPTION native CONNECTION 'host=127.0.0.1 port=" + sourceServer.port()
                    + " dbname=postgres user=postgres' PUBLICATION native WITH (copy_data = false)");
            await(() -> target.queryLong("SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL"), 1);
            insert(source, "feed_native", 1, warm); // the same warm-up: the apply worker's caches
            awaitRows(target, "feed_native", warm);
            cpuBefore = machine.sample();
            start = System.nanoTime();
            insert(source, "feed_native", warm + 1, rows);
            awaitRows(target, "feed_native", warm + rows);
            double nativeRate = report.add(
                    "PostgreSQL logical replication (subscription)",
                    "native_rows_s",
                    rows,
                    (System.nanoTime() - start) / 1e9,
                    "the same inserts, applied by the target's apply worker");
            Map<String, Double> nativeCpu = MachineCpu.between(cpuBefore, machine.sample());
            report.result("e2e_vs_native", String.format(Locale.ROOT, "%.2f", e2e / nativeRate));
            cpuTable(report, sluiceCpu, nativeCpu);

            double rssMax = 0;
            for (ServiceProcess service : services) {
                String name = name(service, services);
                double cpuSeconds = sluiceCpu.getOrDefault(name, 0.0);
                double rss = peakRssMb(service);
                rssMax = Math.max(rssMax, rss);
                report.result(name + "_cpu_s_per_million", String.format(Locale.ROOT, "%.1f", cpuSeconds * 1e6 / rows));
                report.result(name + "_rss_mb", String.format(Locale.ROOT, "%.0f", rss));
            }
            report.result("rss_mb_max", String.format(Locale.ROOT, "%.0f", rssMax));
            report.orderResults(
                    "e2e_rows_s", "native_rows_s", "e2e_vs_native", "e2e_cpu_vs_native", "p99_ms", "rss_mb_max");
        } finally {
            services.forEach(ServiceProcess::close);
            try {
                target.execute("DROP SUBSCRIPTION IF EXISTS native");
            } catch (RuntimeException e) {
                System.err.println("dropping the subscription: " + e.getMessage());
            }
            sourceServer.close();
            targetServer.close();
            Queues.deleteTopology(broker, prefix);
        }
        return report;
    }

    /** Inserts {@code count} seed rows from {@code firstId}, 10,000 per transaction. */
    private static void insert(TestDatabase db, String table, long firstId, long count) {
        for (long from = firstId; from < firstId + count; from += 10_000) {
            long to = Math.min(firstId + count - 1, from + 9_999);
            db.execute("INSERT INTO " + table + " SELECT i, i % 1000, i % 7, md5(i::text) || ' feed', now()"
                    + " FROM generate_series(" + from + ", " + to + ") i");
        }
    }

    /** {@code rate} rows a second for {@code rateSeconds}, a transaction every 100 ms. */
    private void paced(TestDatabase source, long firstId) throws InterruptedException {
        int perTick = rate / 10;
        long next = System.nanoTime();
        long id = firstId;
        for (int tick = 0; tick < rateSeconds * 10; tick++) {
            insert(source, "feed_log", id, perTick);
            id += perTick;
            next += 100_000_000L;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }

    /**
     * Waits until {@code table} holds ids 1 to {@code rows}. The last id is looked up by key every 20 ms and the table
     * counted only once it is there: counting a growing table that often took a core of the two the pipeline needs.
     */
    private static void awaitRows(TestDatabase db, String table, long rows) throws InterruptedException {
        await(() -> arrived(db, table, rows), rows);
    }

    private static long arrived(TestDatabase db, String table, long rows) {
        try {
            if (db.queryLong("SELECT count(*) FROM " + table + " WHERE id = " + rows) == 0) {
                return 0;
            }
            return db.queryLong("SELECT count(*) FROM " + table);
        } catch (RuntimeException notYet) {
            return 0; // the loader has not created the table yet
        }
    }

    private static void await(LongSupplier count, long target) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (count.getAsLong() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stopped at " + count.getAsLong() + " of " + target);
            }
            Thread.sleep(20);
        }
    }

    /** The loader's lag histogram: cumulative count per bucket bound, in seconds. */
    private static Map<Double, Double> buckets(ServiceProcess loader) {
        Map<Double, Double> buckets = new TreeMap<>();
        for (String line : loader.metrics().split("\n")) {
            if (line.startsWith("sluice_lag_seconds_bucket{")) {
                String le = line.replaceAll(".*le=\"([^\"]+)\".*", "$1");
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                buckets.merge(bound, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
            }
        }
        return buckets;
    }

    private static Map<Double, Double> delta(Map<Double, Double> after, Map<Double, Double> before) {
        Map<Double, Double> delta = new TreeMap<>();
        after.forEach((bound, count) -> delta.put(bound, count - before.getOrDefault(bound, 0.0)));
        return delta;
    }

    /** The upper bound of the bucket holding quantile {@code q} (Prometheus histograms keep no finer detail). */
    private static double quantile(Map<Double, Double> cumulative, double q) {
        double total = cumulative.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total == 0) {
            return Double.NaN;
        }
        for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
            if (bucket.getValue() >= q * total) {
                return bucket.getKey();
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** Where the machine's CPU went in each run, per million rows: both runs share the same two cores. */
    private void cpuTable(Report report, Map<String, Double> sluice, Map<String, Double> nativeRun) {
        Set<String> parts = new TreeSet<>(sluice.keySet());
        parts.addAll(nativeRun.keySet());
        parts.removeAll(List.of(MachineCpu.BUSY, MachineCpu.IDLE));
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-46s %12s %12s", "CPU seconds per million rows", "Sluice", "native"));
        double sluiceTotal = 0;
        double nativeTotal = 0;
        for (String part : parts) {
            double a = sluice.getOrDefault(part, 0.0) * 1e6 / rows;
            double b = nativeRun.getOrDefault(part, 0.0) * 1e6 / rows;
            if (a < 0.05 && b < 0.05) {
                continue;
            }
            sluiceTotal += a;
            nativeTotal += b;
            lines.add(String.format(Locale.ROOT, "  %-44s %12.1f %12.1f", part, a, b));
        }
        lines.add(String.format(Locale.ROOT, "  %-44s %12.1f %12.1f", "all of the above", sluiceTotal, nativeTotal));
        lines.add(String.format(
                Locale.ROOT,
                "  %-44s %12.1f %12.1f",
                MachineCpu.BUSY,
                sluice.getOrDefault(MachineCpu.BUSY, Double.NaN) * 1e6 / rows,
                nativeRun.getOrDefault(MachineCpu.BUSY, Double.NaN) * 1e6 / rows));
        double sluiceIdle = idlePercent(sluice);
        double nativeIdle = idlePercent(nativeRun);
        lines.add(String.format(
                Locale.ROOT,
                "  %-44s %11.0f%% %11.0f%%",
                "whole machine: idle, share of its time",
                sluiceIdle,
                nativeIdle));
        report.text(lines);
        report.result("machine_idle_pct", String.format(Locale.ROOT, "%.0f", sluiceIdle));
        report.result("native_machine_idle_pct", String.format(Locale.ROOT, "%.0f", nativeIdle));
        report.result("machine_cpu_s_per_million", String.format(Locale.ROOT, "%.1f", sluiceTotal));
        report.result("native_machine_cpu_s_per_million", String.format(Locale.ROOT, "%.1f", nativeTotal));
        report.result("e2e_cpu_vs_native", String.format(Locale.ROOT, "%.2f", sluiceTotal / nativeTotal));
    }

    private static double idlePercent(Map<String, Double> spent) {
        double idle = spent.getOrDefault(MachineCpu.IDLE, Double.NaN);
        return 100 * idle / (idle + spent.getOrDefault(MachineCpu.BUSY, Double.NaN));
    }

    private static double peakRssMb(ServiceProcess service) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(service.pid()), "status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static String name(ServiceProcess service, List<ServiceProcess> services) {
        return List.of("loader", "handler", "getter").get(services.indexOf(service));
    }
}
