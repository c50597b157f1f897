package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.embedded.LocalPrometheus;
import io.sluice.monitor.prometheus.PrometheusClient;
import io.sluice.monitor.report.Reports;
import io.sluice.testkit.Chromium;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceArgs;
import io.sluice.testkit.Strictness;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Reports from a real Prometheus scraping a real Sluice service (the monitor itself): charts drawn in headless
 * Chromium, alerts first, CSV and JSON beside the HTML; and with Prometheus down, a report that says so.
 */
class ReportsIT {

    private final Topology names = new Topology(RabbitBroker.uniquePrefix("monitor"), List.of("warehouse"));
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
    void aReportFromPrometheusHasItsChartsDrawnItsAlertsFirstAndItsDataAsCsvAndJson() throws Exception {
        Strictness.require(
                LocalPrometheus.installed(), "Prometheus", "apt-get install prometheus; .ci/run installs it");
        Strictness.require(
                Chromium.installed(),
                "Chromium, to render the report",
                "apt-get install chromium; .ci/run installs it");
        Path definitions = Files.createDirectories(dir.resolve("definitions"));
        Files.writeString(definitions.resolve("checks.yml"), """
                title: Alerts and errors
                range: 10m
                sections:
                  - title: Made up
                    panels:
                      - {title: Always five, type: stat, query: "vector(5)", unit: rows, thresholds: {warning: 1}}
                      - {title: A wrong query, type: table, query: "sum(rate(x[5m]"}
                      - {title: Heap, type: timeseries, query: 'sum(jvm_memory_used_bytes{area="heap"})', unit: bytes}
                """);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        LocalPrometheus prometheus = LocalPrometheus.start(List.of("127.0.0.1:" + port));
        running.add(prometheus);
        ConfigurableApplicationContext monitor =
                startMonitor(prometheus.url().toString(), definitions, "--management.server.port=" + port);
        PrometheusClient client = new PrometheusClient(prometheus.url(), Duration.ofSeconds(5), Duration.ZERO);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> client
                        .queryRange(
                                "jvm_memory_used_bytes",
                                Instant.now().minusSeconds(60),
                                Instant.now(),
                                Duration.ofSeconds(1))
                        .stream()
                        .anyMatch(s -> s.points().size() >= 3));

        String id = make(monitor, "default");
        // The report covers the run (since Prometheus first scraped the monitor), not the definition's whole day.
        String json = get(monitor, "/reports/" + id + "/report.json").body();
        Matcher start = Pattern.compile("\"start\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
        assertThat(start.find())
                .as(json.substring(0, Math.min(400, json.length())))
                .isTrue();
        Instant jvmStart = Instant.ofEpochMilli(
                java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
        assertThat(Instant.parse(start.group(1))).isAfter(jvmStart.minusSeconds(2));
        // Tidy CSV: one column per label, counts as whole numbers.
        String csv = get(monitor, "/reports/" + id + "/report.csv").body();
        assertThat(csv.lines().findFirst().orElseThrow()).contains(",application,", ",time,value,unit,error");
        assertThat(csv).contains(",sluice-monitor,");
        Path html = dir.resolve("default.html");
        Files.writeString(html, get(monitor, "/reports/" + id).body());
        String dom = Chromium.domAfterScripts(html);
        int charts = count(dom, "class=\"uplot ");
        // Every time series with data is drawn: heap, CPU and queue depth (the monitor exports all three).
        assertThat(charts)
                .as("uPlot charts drawn")
                .isEqualTo(count(dom, "class=\"uplot-host\""))
                .isGreaterThanOrEqualTo(3);
        assertThat(count(dom, "<canvas")).isEqualTo(charts);
        assertThat(dom).contains("Sluice pipeline — daily report", "Heap used", "No data in this period.");

        String checks = make(monitor, "checks");
        String page = get(monitor, "/reports/" + checks).body();
        assertThat(page.indexOf("WARNING: Made up › Always five")).isPositive().isLessThan(page.indexOf("<h2>Made up"));
        assertThat(page).contains("Not drawn: Prometheus refused the query (bad_data)");
        assertThat(get(monitor, "/reports/" + checks + "/report.csv").body())
                .startsWith("section,panel,series,time,value,unit,error")
                .containsPattern("Made up,Always five,Always five,[^,]+,5,rows,");
        assertThat(get(monitor, "/reports/" + checks + "/report.json").body()).contains("\"alerts\"", "\"level\"");
        assertThat(get(monitor, "/reports").body()).contains(id, checks);
        assertThat(Files.exists(dir.resolve("reports").resolve(checks).resolve("report.html")))
                .isTrue();
    }

    @Test
    void withPrometheusDownTheReportSaysSoInEveryPanelAndIsStillMade() throws Exception {
        ConfigurableApplicationContext monitor = startMonitor("http://127.0.0.1:1", null);
        String id = make(monitor, "default");
        String page = get(monitor, "/reports/" + id).body();
        assertThat(page).contains("Not drawn: Prometheus at http://127.0.0.1:1 is not reachable");
        assertThat(count(page, "class=\"error\"")).isEqualTo(count(page, "class=\"panel\""));
        assertThat(post(monitor, "/reports?name=nope").statusCode()).isEqualTo(400);
    }

    /**
     * Two monitor replicas on one store make a scheduled report once: the report is named and ended by its cron slot,
     * so the replica that comes second finds it made and skips it; a report of the next slot is made again.
     */
    @Test
    void replicasSharingAStoreMakeEachScheduledReportOnce() throws Exception {
        ConfigurableApplicationContext first = startMonitor("http://127.0.0.1:1", null);
        ConfigurableApplicationContext second = startMonitor("http://127.0.0.1:1", null);
        Instant slot = Instant.parse("2026-12-02T06:00:00Z");

        assertThat(first.getBean(Reports.class).makeScheduled("default", slot)).isPresent();
        assertThat(second.getBean(Reports.class).makeScheduled("default", slot)).isEmpty();
        assertThat(second.getBean(Reports.class).makeScheduled("default", slot.plusSeconds(86_400)))
                .isPresent();
        assertThat(first.getBean(Reports.class).store().ids())
                .containsExactly("20261203-060000-default", "20261202-060000-default");
    }

    private ConfigurableApplicationContext startMonitor(String prometheus, Path definitions, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "--sluice.monitor.prometheus-url=" + prometheus,
                "--sluice.monitor.retry-for=1s",
                "--sluice.monitor.scrape-interval=1s", // LocalPrometheus's
                "--sluice.monitor.directory=" + dir.resolve("reports"),
                "--sluice.monitor.schedule="));
        if (definitions != null) {
            args.add("--sluice.monitor.definitions=" + definitions);
        }
        ConfigurableApplicationContext monitor = MonitorApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(names.prefix(), ServiceArgs.merge(args.toArray(String[]::new), extra)));
        running.add(monitor);
        return monitor;
    }

    private static String make(ConfigurableApplicationContext monitor, String name) throws Exception {
        HttpResponse<String> made = post(monitor, "/reports?name=" + name);
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        Matcher id = Pattern.compile("\"id\":\"([^\"]+)\"").matcher(made.body());
        assertThat(id.find()).isTrue();
        return id.group(1);
    }

    private static int port(ConfigurableApplicationContext app) {
        return ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    private static HttpResponse<String> get(ConfigurableApplicationContext app, String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(app) + path))
                .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION));
    }

    private static HttpResponse<String> post(ConfigurableApplicationContext app, String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(app) + path))
                .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION)
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }
}
