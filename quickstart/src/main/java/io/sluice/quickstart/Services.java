package io.sluice.quickstart;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.getter.GetterApplication;
import io.sluice.handler.HandlerApplication;
import io.sluice.loader.LoaderApplication;
import io.sluice.monitor.MonitorApplication;
import io.sluice.pgtask.PgTaskApplication;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The five services, each its own Spring context with its own configuration in this JVM, exactly as they would run
 * apart (each on its own HTTP port); started in the order the data needs them and stopped in reverse.
 */
final class Services implements AutoCloseable {

    static final String SCHEMA = "sluice_demo";
    static final List<String> TABLES = List.of("users", "shops", "orders", "order_items", "refunds", "order_events");
    /** Tables pgtask's data check compares at the end (single-column keys). */
    static final List<String> CHECKED = List.of("users", "shops", "orders", "refunds", "order_events");

    static final String PARTITIONS_JOB = "order-events-partitions";

    private final Map<String, ConfigurableApplicationContext> running = new LinkedHashMap<>();
    private final Infrastructure infrastructure;
    private final Path pipelines;
    private final Path workDir;

    Services(Infrastructure infrastructure, Path pipelines, Path workDir) {
        this.infrastructure = infrastructure;
        this.pipelines = pipelines;
        this.workDir = workDir;
    }

    /** @param slowQueries whether the source has pg_stat_statements for pgtask's statistics */
    void startLoaderHandlerAndTasks(Display display, boolean slowQueries) {
        start(
                display,
                "loader",
                LoaderApplication::create,
                "--spring.datasource.url=" + infrastructure.targetJdbc(),
                "--sluice.loader.allowed-targets=" + SCHEMA + ".*",
                "--sluice.loader.tables[sluice_demo.order_events].mode=append");
        start(
                display,
                "handler",
                HandlerApplication::create,
                "--sluice.handler.pipelines=" + pipelines,
                "--sluice.handler.reference.url=" + infrastructure.targetJdbc());
        List<String> tasks = new ArrayList<>(List.of(
                "--spring.datasource.url=" + infrastructure.targetJdbc(),
                "--sluice.pgtask.databases.source.url=" + infrastructure.sourceJdbc(),
                "--sluice.pgtask.partitions[0].name=" + PARTITIONS_JOB,
                "--sluice.pgtask.partitions[0].table=" + SCHEMA + ".order_events",
                "--sluice.pgtask.partitions[0].interval=daily",
                "--sluice.pgtask.partitions[0].premake=2",
                "--sluice.pgtask.partitions[0].retention=30d",
                "--sluice.pgtask.runner.lock-at-least-for=0s"));
        if (slowQueries) {
            tasks.add("--sluice.pgtask.slow-queries.databases=source");
            tasks.add("--sluice.pgtask.slow-queries.cron=*/15 * * * * *");
        }
        for (int i = 0; i < CHECKED.size(); i++) {
            String table = CHECKED.get(i);
            String check = "--sluice.pgtask.checks[" + i + "].";
            tasks.add(check + "name=" + checkName(table));
            tasks.add(check + "table=" + SCHEMA + "." + table);
            tasks.add(check + "key=id");
            if (table.equals("users")) {
                tasks.add(check + "columns=id,name,level,lon,lat"); // email and phone are masked on the way
            }
        }
        start(display, "pgtask", PgTaskApplication::create, tasks.toArray(String[]::new));
    }

    static String checkName(String table) {
        return table.replace('_', '-') + "-check";
    }

    void startGetter(Display display) {
        start(
                display,
                "getter",
                GetterApplication::create,
                "--spring.datasource.url=" + infrastructure.targetJdbc(),
                "--sluice.getter.cdc.sources[0].name=shop",
                "--sluice.getter.cdc.sources[0].url=" + infrastructure.sourceJdbc(),
                "--sluice.getter.cdc.sources[0].slot=sluice_demo",
                "--sluice.getter.cdc.sources[0].publication=sluice_demo",
                "--sluice.getter.cdc.sources[0].drop-slot-on-stop=true",
                "--sluice.getter.cdc.sources[0].tables="
                        + String.join(
                                ",", TABLES.stream().map(t -> SCHEMA + "." + t).toList()),
                "--sluice.getter.cdc.status-interval=500ms");
    }

    /**
     * The monitor, reading this Prometheus (none: its report says it has no metrics, without waiting), which scrapes
     * every {@code scrapeInterval}.
     */
    void startMonitor(Display display, java.net.URI prometheusUrl, java.time.Duration scrapeInterval) {
        start(
                display,
                "monitor",
                MonitorApplication::create,
                "--sluice.monitor.prometheus-url=" + (prometheusUrl == null ? "http://127.0.0.1:9" : prometheusUrl),
                "--sluice.monitor.scrape-interval=" + scrapeInterval.toSeconds() + "s",
                "--sluice.monitor.retry-for=" + (prometheusUrl == null ? "0s" : "30s"),
                "--sluice.monitor.directory=" + workDir.resolve("reports").toAbsolutePath(),
                "--sluice.monitor.schedule=");
    }

    private void start(Display display, String name, Supplier<SpringApplication> application, String... own) {
        display.step("starting the " + name);
        List<String> args = new ArrayList<>(infrastructure.brokerProperties());
        args.add("--server.port=0");
        args.add("--management.server.port=0");
        args.add("--logging.file.name=" + workDir.resolve("quickstart.log").toAbsolutePath());
        args.addAll(List.of(own));
        running.put(name, application.get().run(args.toArray(String[]::new)));
    }

    <T> T bean(String service, Class<T> type) {
        return running.get(service).getBean(type);
    }

    Map<String, MeterRegistry> meters() {
        Map<String, MeterRegistry> meters = new LinkedHashMap<>();
        running.forEach((name, context) -> meters.put(name, context.getBean(MeterRegistry.class)));
        return meters;
    }

    /** {@code host:port} of each service's actuator (its management port), for Prometheus to scrape. */
    List<String> endpoints() {
        return running.values().stream()
                .map(c -> "127.0.0.1:"
                        + c.getEnvironment()
                                .getProperty(
                                        "local.management.port",
                                        c.getEnvironment().getProperty("local.server.port")))
                .toList();
    }

    @Override
    public void close() {
        List<String> names = new ArrayList<>(running.keySet());
        for (String name : names.reversed()) {
            try {
                running.remove(name).close();
            } catch (RuntimeException e) {
                // going down anyway; the log has the details
            }
        }
    }
}
