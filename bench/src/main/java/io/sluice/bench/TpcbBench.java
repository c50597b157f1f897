package io.sluice.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.sluice.common.amqp.Topology;
import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OLTP's small transactions: pgbench's TPC-B script (4 tables touched per transaction, N clients, a fixed time) on a
 * source captured by Sluice, then on another captured by PostgreSQL's own logical replication, same servers, same run.
 * Reports the source's tps, the transactions/s each pipeline delivered end to end (run plus catch-up), the lag during
 * the run and the catch-up time after it.
 */
final class TpcbBench {

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

    private final int clients;
    private final int seconds;
    private final RabbitBroker broker = RabbitBroker.get();
    private final String prefix = RabbitBroker.uniquePrefix("tpcb");

    TpcbBench(boolean quick) {
        this.clients = 4;
        this.seconds = quick ? 30 : 60;
    }

    Report run() throws Exception {
        Report report = new Report("tpcb");
        run(report);
        return report;
    }

    /** Adds its lines and results to another stage's report. */
    void run(Report report) throws Exception {
        Path pgbench = pgbench();
        EmbeddedPostgres sourceServer = EmbeddedPostgres.start();
        EmbeddedPostgres targetServer = EmbeddedPostgres.start();
        for (EmbeddedPostgres server : List.of(sourceServer, targetServer)) {
            new TestDatabase("postgres", server.jdbcUrl("postgres"))
                    .execute("CREATE DATABASE sluice_db", "CREATE DATABASE native_db");
        }
        TestDatabase sluiceSource = new TestDatabase("sluice_db", sourceServer.jdbcUrl("sluice_db"));
        TestDatabase nativeSource = new TestDatabase("native_db", sourceServer.jdbcUrl("native_db"));
        TestDatabase sluiceTarget = new TestDatabase("sluice_db", targetServer.jdbcUrl("sluice_db"));
        TestDatabase nativeTarget = new TestDatabase("native_db", targetServer.jdbcUrl("native_db"));
        for (TestDatabase db : List.of(sluiceSource, nativeSource, nativeTarget)) {
            exec(pgbench, "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-p", port(db), "-U", "postgres", db.name());
        }
        // pgbench_history has no key: captured as a multiset, which its REPLICA IDENTITY FULL allows.
        sluiceSource.execute("ALTER TABLE pgbench_history REPLICA IDENTITY FULL");
        List<ServiceProcess> services = new ArrayList<>();
        try {
            services.addAll(BenchPipeline.start(
                    broker,
                    prefix,
                    "tpcb",
                    sluiceSource,
                    sluiceTarget,
                    "--sluice.getter.cdc.sources[0].tables=public.pgbench_*",
                    // SLUICE_BENCH_LINGER=0 measures the getter as it was: a batch per table per transaction
                    "--sluice.getter.cdc.linger=" + System.getenv().getOrDefault("SLUICE_BENCH_LINGER", "50ms")));
            awaitCount(sluiceTarget, "SELECT count(*) FROM pgbench_accounts", 100_000, Duration.ofMinutes(5));

            Run sluice = workload(pgbench, sluiceSource, sluiceTarget, this::queueDepth);

            nativeSource.execute("CREATE PUBLICATION native FOR TABLE pgbench_accounts,"
                    + " pgbench_branches, pgbench_tellers, pgbench_history");
            nativeTarget.execute("CREATE SUBSCRIPTION native CONNECTION 'host=127.0.0.1 port=" + sourceServer.port()
                    + " dbname=native_db user=postgres' PUBLICATION native WITH (copy_data = false)");
            awaitCount(
                    nativeTarget,
                    "SELECT count(*) FROM pg_stat_subscription WHERE pid IS NOT NULL",
                    1,
                    Duration.ofMinutes(1));
            Run nativeRun = workload(pgbench, nativeSource, nativeTarget, () -> 0L);

            String equal = equalBalances(sluiceSource, sluiceTarget) ? "yes" : "NO";
            double sluiceTps = add(
                    report,
                    "Sluice",
                    "tpcb_tps_source",
                    "tpcb_tps_sluice",
                    sluice,
                    ", target balances" + " equal: " + equal);
            double nativeTps = add(report, "native logical replication", null, "tpcb_tps_native", nativeRun, "");
            report.text(List.of(
                    String.format(
                            Locale.ROOT,
                            "TPC-B lag during the run (target's newest history row behind the source's clock, every"
                                    + " 200 ms): Sluice p50 %s s, p99 %s s; native p50 %s s, p99 %s s",
                            fmt(sluice.lag(0.5)),
                            fmt(sluice.lag(0.99)),
                            fmt(nativeRun.lag(0.5)),
                            fmt(nativeRun.lag(0.99))),
                    "TPC-B peak depth of the handler's queue: " + sluice.peakQueue + " messages"));
            report.result("tpcb_e2e_vs_native", String.format(Locale.ROOT, "%.2f", sluiceTps / nativeTps));
            // What each pipeline delivered of what its source did in its own run: the pipeline's own share, apart
            // from how much its CPU slowed the source on a shared machine.
            report.result(
                    "tpcb_delivered_vs_source",
                    String.format(Locale.ROOT, "%.3f", sluiceTps / (sluice.transactions / sluice.runSeconds)));
            report.result(
                    "tpcb_source_vs_native_source",
                    String.format(
                            Locale.ROOT,
                            "%.2f",
                            (sluice.transactions / sluice.runSeconds)
                                    / (nativeRun.transactions / nativeRun.runSeconds)));
            report.result("tpcb_catchup_s", fmt(sluice.catchUpSeconds));
            report.result("tpcb_p99_ms", String.format(Locale.ROOT, "%.0f", sluice.lag(0.99) * 1000));
            report.result("tpcb_native_p99_ms", String.format(Locale.ROOT, "%.0f", nativeRun.lag(0.99) * 1000));
            report.result("tpcb_native_catchup_s", fmt(nativeRun.catchUpSeconds));
            report.result("tpcb_peak_queue", Long.toString(sluice.peakQueue));
            report.result("tpcb_balances_equal", equal);
        } finally {
            services.forEach(ServiceProcess::close);
            try {
                nativeTarget.execute("DROP SUBSCRIPTION IF EXISTS native");
            } catch (RuntimeException e) {
                System.err.println("dropping the subscription: " + e.getMessage());
            }
            sourceServer.close();
            targetServer.close();
            Queues.deleteTopology(broker, prefix);
        }
    }

    /** A run's two lines, its source's rate and its end-to-end rate (returned); a null key keeps a rate off RESULT. */
    private double add(Report report, String pipeline, String sourceKey, String endToEndKey, Run run, String note) {
        report.add(
                "TPC-B source (pgbench, " + clients + " clients, " + pipeline + "'s run)",
                sourceKey,
                run.transactions,
                run.runSeconds,
                "pgbench tps " + fmt(run.pgbenchTps));
        return report.add(
                "TPC-B through " + pipeline + ", end to end",
                endToEndKey,
                run.transactions,
                run.runSeconds + run.catchUpSeconds,
                "catch-up " + fmt(run.catchUpSeconds) + " s" + note);
    }

    /** One pipeline's run: pgbench for the fixed time, then the wait until the target has every transaction. */
    private static final class Run {
        long transactions;
        double pgbenchTps;
        double runSeconds;
        double catchUpSeconds;
        long peakQueue;
        final List<Double> lagSamples = Collections.synchronizedList(new ArrayList<>());

        double lag(double q) {
            List<Double> sorted = new ArrayList<>(lagSamples);
            if (sorted.isEmpty()) {
                return Double.NaN;
            }
            Collections.sort(sorted);
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
        }
    }

    private Run workload(Path pgbench, TestDatabase source, TestDatabase target, QueueDepth depth) throws Exception {
        Run run = new Run();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong peak = new AtomicLong();
        // The lag as the target sees it: how far its newest history row is behind the source's clock.
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (running.get()) {
                try {
                    Object lag = target.queryValue(
                            "SELECT extract(epoch FROM clock_timestamp() - max(mtime))" + " FROM pgbench_history");
                    if (lag != null) {
                        run.lagSamples.add(((Number) lag).doubleValue());
                    }
                    peak.accumulateAndGet(depth.get(), Math::max);
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the table is not there yet
                }
            }
        });
        long start = System.nanoTime();
        String output = exec(
                pgbench,
                "-n",
                "-c",
                Integer.toString(clients),
                "-j",
                "2",
                "-T",
                Integer.toString(seconds),
                "-h",
                "127.0.0.1",
                "-p",
                port(source),
                "-U",
                "postgres",
                source.name());
        run.runSeconds = (System.nanoTime() - start) / 1e9;
        Matcher tps = TPS.matcher(output);
        run.pgbenchTps = tps.find() ? Double.parseDouble(tps.group(1)) : Double.NaN;
        run.transactions = source.queryLong("SELECT count(*) FROM pgbench_history");
        long ended = System.nanoTime();
        awaitCount(target, "SELECT count(*) FROM pgbench_history", run.transactions, Duration.ofMinutes(15));
        run.catchUpSeconds = (System.nanoTime() - ended) / 1e9;
        running.set(false);
        sampler.interrupt();
        sampler.join();
        run.peakQueue = peak.get();
        return run;
    }

    /** The handler queue's depth, sampled during the run. */
    @FunctionalInterface
    private interface QueueDepth {
        long get();
    }

    private long queueDepth() {
        try (Connection connection = broker.newConnection();
                Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(new Topology(prefix, List.of("warehouse")).handlerQueue())
                    .getMessageCount();
        } catch (Exception e) {
            return 0;
        }
    }

    private static boolean equalBalances(TestDatabase source, TestDatabase target) {
        String sums = "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || '/' || (SELECT sum(tbalance) FROM"
                + " pgbench_tellers) || '/' || (SELECT sum(bbalance) FROM pgbench_branches)";
        return String.valueOf(source.queryValue(sums)).equals(String.valueOf(target.queryValue(sums)));
    }

    private static void awaitCount(TestDatabase db, String sql, long expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (db.queryLong(sql) >= expected) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // the loader has not created the table yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + sql + " to reach " + expected);
            }
            Thread.sleep(100);
        }
    }

    private static String port(TestDatabase db) {
        Matcher m = Pattern.compile(":(\\d+)/").matcher(db.jdbcUrl());
        if (!m.find()) {
            throw new IllegalStateException("no port in " + db.jdbcUrl());
        }
        return m.group(1);
    }

    /** pgbench from the machine's PostgreSQL (the embedded binaries do not ship it). */
    private static Path pgbench() {
        for (String major : List.of("17", "16", "15")) {
            Path candidate = Path.of("/usr/lib/postgresql", major, "bin", "pgbench");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no pgbench: apt-get install postgresql-client-15 (or newer)");
    }

    private static String exec(Path program, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(program.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
