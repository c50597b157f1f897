package io.sluice.quickstart;

import io.sluice.common.metrics.SluiceMetric;
import io.sluice.embedded.LocalPrometheus;
import io.sluice.monitor.report.ReportData;
import io.sluice.monitor.report.Reports;
import io.sluice.pgtask.runner.JobRunner;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * One quickstart run: infrastructure, demo schema, services, workload with the live display, then catch-up, data
 * checks, report and summary. Exit code 0 when every data check found source = target.
 */
final class QuickstartRun {

    private static final Duration CATCH_UP = Duration.ofMinutes(2);

    private final Quickstart options;

    QuickstartRun(Quickstart options) {
        this.options = options;
    }

    int run() throws Exception {
        Path work = Files.createDirectories(options.workDir.toAbsolutePath());
        Path log = work.resolve("quickstart.log");
        // Before any logger exists: logback.xml writes to LOG_FILE, so the terminal stays the display's.
        System.setProperty("LOG_FILE", log.toString());
        Files.deleteIfExists(log); // one run, one log
        Display display = new Display(System.out, options.display);
        display.say("Sluice quickstart: " + options.rate + " orders/s for " + options.duration.toSeconds()
                + " s; log in " + log);
        long started = System.nanoTime();
        try (Infrastructure infrastructure = Infrastructure.start(options, display)) {
            Preflight.checkSource(infrastructure);
            boolean slowQueries = Preflight.slowQueryStatistics(infrastructure);
            if (!slowQueries) {
                display.step(
                        "the source has no pg_stat_statements in shared_preload_libraries: no slow-query statistics");
            }
            display.step("creating the demo shop (schema sluice_demo) in the source and the warehouse");
            execute(infrastructure.source(), "source-schema.sql");
            execute(infrastructure.target(), "target-schema.sql");
            try (Connection source = infrastructure.source()) {
                ShopWorkload workload = new ShopWorkload(source, options.rate, options.duration);
                workload.seed();
                Path pipelines = copy("pipelines.yml", work);
                try (Services services = new Services(infrastructure, pipelines, work);
                        Scrape scrape = new Scrape()) {
                    services.startLoaderHandlerAndTasks(display, slowQueries);
                    services.bean("pgtask", JobRunner.class).runNow(Services.PARTITIONS_JOB);
                    services.startGetter(display);
                    URI prometheus = scrape.start(options.prometheusUrl, services, display);
                    services.startMonitor(display, prometheus, scrape.interval());
                    display.say(String.format(
                            Locale.ROOT,
                            "  ready in %.1f s (%s); the demo shop opens",
                            (System.nanoTime() - started) / 1e9,
                            infrastructure.describe()));
                    lookInside(infrastructure, display);
                    boolean caughtUp = watch(workload, services, infrastructure, display);
                    int code = finish(workload, services, infrastructure, display, caughtUp, prometheus != null, work);
                    if (options.keep) {
                        Keep.untilStopped(infrastructure, display, this::lookInside);
                    }
                    return code;
                }
            }
        } catch (RuntimeException | SQLException | IOException e) {
            log().error("quickstart failed", e);
            display.say("");
            display.say("quickstart failed: " + rootMessage(e));
            display.say("the log has the details: " + log);
            return 2;
        } finally {
            Keep.cleanedUp(); // a Ctrl-C during --keep waits for this, so the embedded servers are gone at exit
        }
    }

    /** The psql commands that open the embedded databases, for a look while the demo runs. */
    private void lookInside(Infrastructure infrastructure, Display display) {
        String source = infrastructure.psql(true);
        String target = infrastructure.psql(false);
        if (source != null) {
            display.say("  the source:    " + source + "   (schema sluice_demo)");
        }
        if (target != null) {
            display.say("  the warehouse: " + target + "   (schema sluice_demo)");
        }
    }

    /** Runs the workload with the display ticking, then waits for the warehouse to hold every row. */
    private boolean watch(ShopWorkload workload, Services services, Infrastructure infrastructure, Display display)
            throws InterruptedException, SQLException {
        display.header();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "quickstart-display");
            thread.setDaemon(true);
            return thread;
        });
        Thread writer = new Thread(workload, "quickstart-workload");
        try {
            ticker.scheduleAtFixedRate(
                    () -> display.tick(services.meters(), workload::changes), 1, 1, TimeUnit.SECONDS);
            writer.start();
            writer.join();
            long deadline = System.nanoTime() + CATCH_UP.toNanos();
            log().info("workload done; waiting for the warehouse to catch up");
            while (System.nanoTime() < deadline) {
                java.util.List<String> behind = CatchUp.behind(infrastructure);
                if (behind.isEmpty()) {
                    return true;
                }
                log().info("warehouse behind the source (source/target rows): {}", behind);
                Thread.sleep(500);
            }
            return false;
        } finally {
            workload.stop();
            ticker.shutdownNow();
            ticker.awaitTermination(2, TimeUnit.SECONDS);
            display.endLive();
        }
    }

    private int finish(
            ShopWorkload workload,
            Services services,
            Infrastructure infrastructure,
            Display display,
            boolean caughtUp,
            boolean withMetrics,
            Path work)
            throws SQLException {
        display.say("");
        if (!caughtUp) {
            display.say("  the warehouse did not catch up within " + CATCH_UP.toSeconds() + " s: "
                    + CatchUp.behind(infrastructure));
        }
        display.step("running pgtask's data checks (source = target, table by table)");
        JobRunner jobs = services.bean("pgtask", JobRunner.class);
        Map<String, JobRunner.Outcome> checks = new LinkedHashMap<>();
        for (String table : Services.CHECKED) {
            jobs.runNow(Services.checkName(table)).ifPresent(outcome -> checks.put(table, outcome));
        }
        jobs.runNow("slow-queries"); // an unknown job (no statistics configured) is simply not run
        boolean passed = checks.size() == Services.CHECKED.size()
                && checks.values().stream()
                        .allMatch(o ->
                                o.outcome().equals("succeeded") && o.detail().startsWith("source = target"));
        display.step("making the report");
        String report;
        try {
            ReportData made = services.bean("monitor", Reports.class).make("default");
            report = work.resolve("reports").resolve(made.id()).resolve("report.html")
                    + (withMetrics
                            ? ""
                            : " (without metrics: no Prometheus; install 'prometheus' or pass --prometheus-url)");
        } catch (IOException | RuntimeException e) {
            report = "not made: " + rootMessage(e);
        }
        Map<String, io.micrometer.core.instrument.MeterRegistry> meters = services.meters();
        display.say("");
        display.say("Summary");
        row(display, "orders placed", String.format(Locale.ROOT, "%,d", workload.orders()));
        row(display, "rows changed in the source", String.format(Locale.ROOT, "%,d", workload.changes()));
        row(
                display,
                "rows merged into the warehouse",
                String.format(Locale.ROOT, "%,d", Display.rows(meters, "loader", "merged")));
        row(display, "dead letters", String.format(Locale.ROOT, "%,d", Display.deadLetters(meters)));
        io.micrometer.core.instrument.Timer lag =
                meters.get("loader").find(SluiceMetric.LAG.meter()).timer();
        if (lag != null && lag.count() > 0) {
            row(
                    display,
                    "lag, source to warehouse commit",
                    String.format(
                            Locale.ROOT,
                            "mean %.0f ms, max %.0f ms (over the last minutes)",
                            lag.mean(TimeUnit.MILLISECONDS),
                            lag.max(TimeUnit.MILLISECONDS)));
        }
        checks.forEach((table, outcome) -> row(
                display,
                "check " + table,
                (outcome.outcome().equals("succeeded") ? "" : outcome.outcome() + ": ") + outcome.detail()));
        row(display, "data checks", passed ? "PASSED: source = target" : "FAILED");
        row(display, "report", report);
        row(
                display,
                "warehouse",
                options.targetJdbc != null
                        ? options.targetJdbc + " (schema sluice_demo)"
                        : options.keep
                                ? "embedded, running until Ctrl-C or Enter (--keep)"
                                : "embedded, removed on exit (--keep leaves it running; --target-jdbc keeps the data"
                                        + " in yours)");
        return passed ? 0 : 1;
    }

    /** Looked up when first used: logging must not start before {@code LOG_FILE} is set. */
    private static org.slf4j.Logger log() {
        return LoggerFactory.getLogger(QuickstartRun.class);
    }

    private static void row(Display display, String what, String value) {
        display.say(String.format(Locale.ROOT, "  %-31s %s", what, value));
    }

    private static void execute(Connection connection, String script) throws SQLException, IOException {
        try (connection;
                Statement statement = connection.createStatement()) {
            statement.execute(resource(script));
        }
    }

    private static Path copy(String resource, Path work) throws IOException {
        return Files.writeString(work.resolve(resource), resource(resource));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = QuickstartRun.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
    }

    /** The local Prometheus, when one is installed and the user named none. */
    private static final class Scrape implements AutoCloseable {

        private LocalPrometheus local;

        /** How often the Prometheus scrapes: the local one's, else the usual 15 s of one the user named. */
        java.time.Duration interval() {
            return local != null ? LocalPrometheus.SCRAPE_INTERVAL : java.time.Duration.ofSeconds(15);
        }

        URI start(URI given, Services services, Display display) {
            if (given != null) {
                return given;
            }
            try {
                display.step("starting Prometheus (the local 'prometheus' binary) to scrape the services");
                local = LocalPrometheus.start(services.endpoints());
                return local.url();
            } catch (Exception e) {
                display.step("no Prometheus (" + e.getMessage() + "): the report will have no metrics");
                return null;
            }
        }

        @Override
        public void close() throws Exception {
            if (local != null) {
                local.close();
            }
        }
    }
}
