package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.sluice.common.amqp.Topology;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.getter.GetterApplication;
import io.sluice.handler.HandlerApplication;
import io.sluice.loader.LoaderApplication;
import io.sluice.monitor.MonitorApplication;
import io.sluice.monitor.report.ReportDefinition;
import io.sluice.monitor.report.ReportDefinitions;
import io.sluice.pgtask.PgTaskApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.Strictness;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every PromQL of the monitor's shipped report names metrics the services really export: all five run against a live
 * pipeline (rows flowing, a dead letter, a data check and slow-query statistics run), and their
 * {@code /actuator/prometheus} pages together must hold every metric the report reads.
 */
class ReportMetricsIT {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[{,]([a-zA-Z_][a-zA-Z0-9_]*)=\"");
    private static final Set<String> KEYWORDS = Set.of(
            "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset");

    private final TestDatabase source = TestPostgres.get().newDatabase("metrics_source");
    private final TestDatabase target = TestPostgres.get().newDatabase("metrics_target");
    private final String prefix = RabbitBroker.uniquePrefix("metrics");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        services.reversed().forEach(ConfigurableApplicationContext::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void everyQueryOfTheShippedReportReadsMetricsTheServicesExport() throws Exception {
        source.execute(
                "CREATE EXTENSION pg_stat_statements",
                "CREATE TABLE orders (id int8 PRIMARY KEY, amount numeric, at timestamptz)");
        services.add(LoaderApplication.create()
                .run(RabbitBroker.get().serviceArgs(prefix, "--spring.datasource.url=" + target.jdbcUrl())));
        Path pipeline = Files.writeString(dir.resolve("pipelines.yml"), """
                pipelines:
                  public.orders:
                    - default: {amount: 0}
                """);
        services.add(HandlerApplication.create()
                .run(RabbitBroker.get().serviceArgs(prefix, "--sluice.handler.pipelines=" + pipeline)));
        services.add(GetterApplication.create().run(GetterArgs.of(prefix, source, target)));
        source.execute("INSERT INTO orders SELECT i, i, now() FROM generate_series(1, 100) i");
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> target.queryLong("SELECT count(*) FROM orders") == 100);
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            channel.basicPublish(
                    names.rawExchange(), "shop.public.orders", null, "not a batch".getBytes(StandardCharsets.UTF_8));
        }

        ConfigurableApplicationContext pgtask = PgTaskApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--spring.datasource.url=" + target.jdbcUrl(),
                                "--sluice.pgtask.databases.source.url=" + source.jdbcUrl(),
                                "--sluice.pgtask.checks[0].name=orders-check",
                                "--sluice.pgtask.checks[0].table=public.orders",
                                "--sluice.pgtask.checks[0].key=id",
                                "--sluice.pgtask.checks[0].freshness-column=at",
                                "--sluice.pgtask.slow-queries.databases=source",
                                "--sluice.pgtask.runner.lock-at-least-for=0s"));
        services.add(pgtask);
        post(pgtask, "/jobs/orders-check/run");
        post(pgtask, "/jobs/slow-queries/run");
        source.execute("SELECT count(*) FROM orders");
        post(pgtask, "/jobs/slow-queries/run");
        services.add(
                MonitorApplication.create().run(RabbitBroker.get().serviceArgs(prefix, "--sluice.monitor.schedule=")));

        Map<String, String> queries = new LinkedHashMap<>();
        for (ReportDefinition.Section section :
                new ReportDefinitions(null).all().get("default").sections()) {
            for (ReportDefinition.Panel panel : section.panels()) {
                queries.put("report: " + panel.title(), panel.query());
            }
        }
        // The alerts' and dashboards' PromQL too, where kustomize can render them (always in CI: strict).
        boolean manifests = KubernetesManifestsIT.canRender() || Strictness.strict();
        if (manifests) {
            queries.putAll(kubernetesQueries());
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Set<String> exported = exported();
            Set<String> missing = new TreeSet<>();
            queries.forEach((where, query) -> {
                for (String metric : metrics(query)) {
                    if (!exported.contains(metric)) {
                        missing.add(metric + " (" + where + ")");
                    }
                }
            });
            assertThat(missing)
                    .as("metrics the report, alerts and dashboards read that no service exports")
                    .isEmpty();
        });
        if (manifests) {
            assertThat(queries.keySet()).anyMatch(k -> k.startsWith("alert")).anyMatch(k -> k.startsWith("dashboard"));
        }
        Set<String> offCatalogue = new TreeSet<>();
        pages().forEach(line -> {
            String name = line.split("[{ ]")[0];
            if (!name.startsWith("sluice_")) {
                return;
            }
            var metric = SluiceMetric.ofSeries(name);
            Set<String> allowed = new TreeSet<>(Set.of("application", "le", "quantile"));
            metric.ifPresent(m -> allowed.addAll(m.tags()));
            Matcher label = LABEL.matcher(line.contains("{") ? line.substring(line.indexOf('{')) : "");
            while (label.find()) {
                if (!allowed.contains(label.group(1))) {
                    offCatalogue.add(name + " has the undeclared tag " + label.group(1));
                }
            }
            if (metric.isEmpty()) {
                offCatalogue.add(name + " is not in SluiceMetric");
            }
        });
        assertThat(offCatalogue)
                .as("what the services export against the catalogue (SluiceMetric)")
                .isEmpty();
    }

    @Test
    void metricNamesAreFoundInPromqlAndNothingElseIs() {
        assertThat(metrics("sum by (stage, table) (increase(sluice_rows_total{outcome=~\"a|b\"}[24h]))"))
                .containsExactly("sluice_rows_total");
        assertThat(metrics("histogram_quantile(0.99, sum by (le) (rate(sluice_lag_seconds_bucket[5m])))"))
                .containsExactly("sluice_lag_seconds_bucket");
        assertThat(metrics("sum by (job, pool) (hikaricp_connections_active) or sum by (job, pool) (hikari_x)"))
                .containsExactly("hikari_x", "hikaricp_connections_active");
        assertThat(metrics("topk(10, sluice_pgtask_query_time_seconds)"))
                .containsExactly("sluice_pgtask_query_time_seconds");
    }

    /** The PromQL of the prod overlay's alerts (PrometheusRule) and Grafana dashboards (JSON in ConfigMaps). */
    private static Map<String, String> kubernetesQueries() throws Exception {
        Map<String, String> queries = new LinkedHashMap<>();
        List<Map<String, Object>> objects = KubernetesManifestsIT.render("prod");
        for (Map<String, Object> rule : KubernetesManifestsIT.ofKind(objects, "PrometheusRule")) {
            for (Object group :
                    (List<?>) KubernetesManifestsIT.map(rule, "spec").get("groups")) {
                for (Object r : (List<?>) ((Map<?, ?>) group).get("rules")) {
                    Map<?, ?> alert = (Map<?, ?>) r;
                    queries.put("alert " + alert.get("alert"), (String) alert.get("expr"));
                }
            }
        }
        for (Map<String, Object> config : KubernetesManifestsIT.ofKind(objects, "ConfigMap")) {
            for (Map.Entry<String, Object> file :
                    KubernetesManifestsIT.map(config, "data").entrySet()) {
                if (file.getKey().endsWith(".json")) {
                    JsonNode dashboard = JsonMapper.builder().build().readTree((String) file.getValue());
                    for (JsonNode panel : dashboard.path("panels")) {
                        for (JsonNode target : panel.path("targets")) {
                            queries.put(
                                    "dashboard " + file.getKey() + ": "
                                            + panel.path("title").asString(),
                                    target.path("expr").asString());
                        }
                    }
                }
            }
        }
        return queries;
    }

    /** The metric names a PromQL expression reads: identifiers that are not functions, keywords or label names. */
    static Set<String> metrics(String promql) {
        String bare = promql.replaceAll("\"[^\"]*\"", "\"\"")
                .replaceAll("\\{[^}]*}", "")
                .replaceAll("\\[[^]]*]", "")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "");
        Set<String> metrics = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            String word = m.group();
            boolean function = bare.substring(m.end()).stripLeading().startsWith("(");
            if (!function && !KEYWORDS.contains(word) && !word.matches("\\d.*")) {
                metrics.add(word);
            }
        }
        return metrics;
    }

    /** The metric names on every service's /actuator/prometheus, with their _bucket/_count/_sum/_total forms. */
    private Set<String> exported() throws Exception {
        Set<String> exported = new TreeSet<>();
        for (String line : pages()) {
            exported.add(line.split("[{ ]")[0]);
        }
        return exported;
    }

    /** The sample lines of every service's /actuator/prometheus. */
    private List<String> pages() throws Exception {
        List<String> samples = new ArrayList<>();
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (ConfigurableApplicationContext service : services) {
                int port = io.sluice.testkit.ActuatorProbe.managementPort(service.getEnvironment());
                String body = http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                                        .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                for (String line : body.split("\n")) {
                    if (!line.startsWith("#") && !line.isBlank()) {
                        samples.add(line);
                    }
                }
            }
        }
        return samples;
    }

    private static void post(ConfigurableApplicationContext app, String path) throws Exception {
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.body()).as(path).contains("\"outcome\":\"succeeded\"");
        }
    }
}
