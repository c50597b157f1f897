package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.embedded.LocalPrometheus;
import io.sluice.handler.HandlerApplication;
import io.sluice.monitor.MonitorApplication;
import io.sluice.monitor.prometheus.PrometheusClient;
import io.sluice.monitor.report.ReportData;
import io.sluice.monitor.report.ReportData.NamedSeries;
import io.sluice.monitor.report.ReportData.PanelData;
import io.sluice.monitor.report.Reports;
import io.sluice.testkit.ActuatorProbe;
import io.sluice.testkit.Chromium;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.Strictness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The shipped report of a 60 s run, as a person would read it after the quickstart: a handler relays a steady load
 * that a real Prometheus scrapes, and the monitor makes the default report. It covers the run, not a day; each chart
 * has enough points, all inside the window, on an axis spanning the window; the rows/s chart agrees with the rate the
 * test itself sent; no count shows a fraction. A screenshot is kept in {@code target/report-screenshots}.
 */
class ReportOfARunIT {

    private static final Duration RUN = Duration.ofSeconds(60);
    private static final int ROWS_PER_BATCH = 20;
    private static final Pattern FRACTIONAL_COUNT =
            Pattern.compile("\\d\\.\\d+ (rows|messages|letters|keys|runs|connections|consumers)\\b");

    private final String prefix = RabbitBroker.uniquePrefix("report-run");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<AutoCloseable> running = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void theDefaultReportOfAMinutesRunReadsRight() throws Exception {
        Strictness.require(
                LocalPrometheus.installed(), "Prometheus", "apt-get install prometheus; .ci/run installs it");
        Strictness.require(Chromium.installed(), "Chromium", "apt-get install chromium; .ci/run installs it");
        ConfigurableApplicationContext handler =
                HandlerApplication.create().run(RabbitBroker.get().serviceArgs(prefix));
        running.add(handler);
        LocalPrometheus prometheus =
                LocalPrometheus.start(List.of("127.0.0.1:" + ActuatorProbe.managementPort(handler.getEnvironment())));
        running.add(prometheus);
        ConfigurableApplicationContext monitor = MonitorApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--sluice.monitor.prometheus-url=" + prometheus.url(),
                                "--sluice.monitor.scrape-interval=" + LocalPrometheus.SCRAPE_INTERVAL.toSeconds() + "s",
                                "--sluice.monitor.directory=" + dir.resolve("reports"),
                                "--sluice.monitor.schedule="));
        running.add(monitor);
        // The run starts once Prometheus holds the handler's first sample, where the report's window starts: on a
        // loaded machine the first scrape can come seconds after Prometheus says it is ready.
        PrometheusClient client = new PrometheusClient(prometheus.url(), Duration.ofSeconds(5), Duration.ZERO);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !client.query("process_start_time_seconds{application=\"sluice-handler\"}", Instant.now())
                        .isEmpty());

        // A steady load: a batch of 20 rows every 100 ms, for a minute.
        MeterRegistry meters = handler.getBean(MeterRegistry.class);
        AtomicLong sent = new AtomicLong();
        CachingConnectionFactory factory = new CachingConnectionFactory(
                RabbitBroker.get().host(), RabbitBroker.get().port());
        factory.setUsername(RabbitBroker.get().username());
        factory.setPassword(RabbitBroker.get().password());
        factory.setVirtualHost(RabbitBroker.get().virtualHost());
        running.add(factory::destroy);
        RabbitTemplate template = new RabbitTemplate(factory);
        BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);
        ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
        Instant runStart = Instant.now();
        load.scheduleAtFixedRate(
                () -> {
                    for (Message message : messages.toMessages(batch(sent.get()))) {
                        template.send(
                                names.rawExchange(),
                                Topology.rawRoutingKey("shop", TableName.parse("public.orders")),
                                message);
                    }
                    sent.addAndGet(ROWS_PER_BATCH);
                },
                0,
                100,
                TimeUnit.MILLISECONDS);
        await().atMost(RUN.plusSeconds(30))
                .until(() -> Duration.between(runStart, Instant.now()).compareTo(RUN) >= 0);
        load.shutdown();
        assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        Instant runEnd = Instant.now();
        double measured = sent.get() / (Duration.between(runStart, runEnd).toMillis() / 1000.0);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> relayed(meters) >= sent.get()); // every row through the handler

        ReportData report = monitor.getBean(Reports.class).make("default");

        // It covers the run, not the definition's day.
        assertThat(report.start()).isAfter(runStart.minusSeconds(30)).isBefore(runStart.plusSeconds(5));
        List<PanelData> charts = report.sections().stream()
                .flatMap(s -> s.panels().stream())
                .filter(p -> p.panel().type() == io.sluice.monitor.report.ReportDefinition.PanelType.TIMESERIES)
                .filter(p -> !p.series().isEmpty())
                .toList();
        assertThat(charts).extracting(p -> p.panel().title()).contains("Rows per second by stage", "Heap used");
        for (PanelData chart : charts) {
            for (NamedSeries series : chart.series()) {
                assertThat(series.points())
                        .as(chart.panel().title() + " › " + series.name())
                        .hasSizeGreaterThanOrEqualTo(10)
                        .allSatisfy(p -> assertThat(p.time())
                                .isBetween((double) report.start().getEpochSecond(), (double)
                                        report.end().getEpochSecond()));
            }
        }
        NamedSeries rows = charts.stream()
                .filter(p -> p.panel().title().equals("Rows per second by stage"))
                .flatMap(p -> p.series().stream())
                .filter(s -> s.name().equals("handler"))
                .findFirst()
                .orElseThrow();
        // The chart's mean while the load ran, against the rate the test sent.
        double chartMean = rows.points().stream()
                .filter(p -> p.time() >= runStart.getEpochSecond() + 5 && p.time() <= runEnd.getEpochSecond())
                .mapToDouble(io.sluice.monitor.prometheus.Series.Point::value)
                .filter(Double::isFinite)
                .average()
                .orElse(Double.NaN);
        System.out.printf(
                "sent %.1f rows/s; the report's rows/s chart averages %.1f while the load ran%n", measured, chartMean);
        assertThat(chartMean).isCloseTo(measured, org.assertj.core.data.Percentage.withPercentage(20));

        // As drawn in a browser: the axis spans the window (not years), and no count shows a fraction.
        Path html = dir.resolve("report.html");
        Files.writeString(
                html,
                Files.readString(dir.resolve("reports").resolve(report.id()).resolve("report.html")));
        String dom = Chromium.domAfterScripts(html);
        Matcher axis = Pattern.compile("data-title=\"Rows per second by stage\"[^>]*data-x-min=\"([\\d.]+)\"[^>]*"
                        + "data-x-max=\"([\\d.]+)\"")
                .matcher(dom);
        int host = dom.indexOf("data-title=\"Rows per second by stage\"");
        assertThat(axis.find())
                .as("the rows/s chart was drawn: "
                        + dom.substring(Math.max(0, host - 100), Math.min(dom.length(), Math.max(0, host) + 400)))
                .isTrue();
        assertThat(Double.parseDouble(axis.group(1))).isCloseTo(report.start().getEpochSecond(), within(1.0));
        assertThat(Double.parseDouble(axis.group(2))).isCloseTo(report.end().getEpochSecond(), within(1.0));
        assertThat(FRACTIONAL_COUNT.matcher(dom).find())
                .as("a count with a fraction")
                .isFalse();
        Chromium.screenshot(html, Path.of("target", "report-screenshots", "default-report-60s.png"), 1280, 3000);
    }

    private static org.assertj.core.data.Offset<Double> within(double offset) {
        return org.assertj.core.data.Offset.offset(offset);
    }

    private static double relayed(MeterRegistry meters) {
        var counter = meters.find("sluice.rows")
                .tag("stage", "handler")
                .tag("outcome", "relayed")
                .counter();
        return counter == null ? 0 : counter.count();
    }

    private static ChangeBatch batch(long first) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS_PER_BATCH; i++) {
            rows.add(new Row(
                    Op.INSERT, 100 + first + i, 1, Instant.now(), List.of(Long.toString(first + i), "x"), List.of()));
        }
        return new ChangeBatch(
                "shop",
                Origin.CDC,
                TableName.parse("public.orders"),
                List.of(new Column("id", "bigint", true), new Column("note", "text", false)),
                rows);
    }
}
