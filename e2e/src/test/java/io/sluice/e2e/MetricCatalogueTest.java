package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.metrics.SluiceMetric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code sluice_*} metric the documents, dashboards, alerts and reports name is in the catalogue
 * ({@link SluiceMetric}), and the architecture document lists the whole catalogue.
 */
class MetricCatalogueTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern NAME = Pattern.compile("(?<![\\w.])sluice_[a-z0-9_]+");

    /** {@code sluice_}-names that are not metrics: the README's database roles and the quickstart's schema and slot. */
    private static final Set<String> NOT_METRICS =
            Set.of("sluice_capture", "sluice_getter", "sluice_loader", "sluice_demo");

    /** What is read for metric names: what a user reads and what Prometheus, Grafana and the monitor run. */
    private static final List<Path> SCANNED =
            List.of(Path.of("README.md"), Path.of("docs"), Path.of("k8s"), Path.of("monitor", "src", "main"));

    @Test
    void everyMetricNamedInDocsDashboardsAlertsAndReportsIsInTheCatalogue() throws IOException {
        Map<String, Set<String>> named = namedMetrics();
        assertThat(named)
                .as("the scan finds the metrics the dashboards and alerts read")
                .containsKeys("sluice_rows_total", "sluice_lag_seconds_bucket", "sluice_slot_lag_bytes");
        Map<String, Set<String>> unknown = new TreeMap<>(named);
        unknown.keySet().removeIf(name -> SluiceMetric.ofSeries(name).isPresent());
        assertThat(unknown)
                .as("metric names (and the files naming them) that SluiceMetric does not hold: add them there, or"
                        + " correct the name")
                .isEmpty();
    }

    @Test
    void anUnknownNameIsCaughtAndColumnsOrPropertiesAreNot() {
        assertThat(names("rate(sluice_rows_totl[5m]) and sluice_rows_total"))
                .containsExactlyInAnyOrder("sluice_rows_totl", "sluice_rows_total");
        assertThat(names("the column _sluice_deleted, the property sluice.rows, the role sluice_loader"))
                .isEmpty();
        assertThat(SluiceMetric.ofSeries("sluice_rows_totl")).isEmpty();
        assertThat(SluiceMetric.ofSeries("sluice_batch_seconds_count")).contains(SluiceMetric.BATCH);
    }

    @Test
    void theArchitectureDocumentListsTheWholeCatalogue() throws IOException {
        String architecture = Files.readString(ROOT.resolve("docs/architecture.md"));
        Set<String> missing = new TreeSet<>();
        for (SluiceMetric metric : SluiceMetric.values()) {
            String tags = metric.tags().isEmpty() ? "" : "{" + String.join(",", metric.tags()) + "}";
            String row = "| `" + metric.prometheusName() + tags + "` | "
                    + metric.kind().name().toLowerCase() + " | " + metric.description() + " |";
            if (!architecture.contains(row)) {
                missing.add(row);
            }
        }
        assertThat(missing)
                .as("rows docs/architecture.md's metric catalogue lacks (or has out of date)")
                .isEmpty();
    }

    /** Metric name → the files that name it. */
    private static Map<String, Set<String>> namedMetrics() throws IOException {
        Map<String, Set<String>> named = new TreeMap<>();
        for (Path scanned : SCANNED) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(scanned))) {
                for (Path file : files.filter(MetricCatalogueTest::readable).toList()) {
                    for (String name : names(Files.readString(file))) {
                        named.computeIfAbsent(name, n -> new TreeSet<>())
                                .add(ROOT.relativize(file).toString());
                    }
                }
            }
        }
        return named;
    }

    private static boolean readable(Path file) {
        String name = file.getFileName().toString();
        return Files.isRegularFile(file)
                && (name.endsWith(".md")
                        || name.endsWith(".yaml")
                        || name.endsWith(".yml")
                        || name.endsWith(".json")
                        || name.endsWith(".java")
                        || name.endsWith(".js")
                        || name.endsWith(".html"));
    }

    private static Set<String> names(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(text);
        while (m.find()) {
            if (!NOT_METRICS.contains(m.group())) {
                names.add(m.group());
            }
        }
        return names;
    }
}
