package io.sluice.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a service's actuator says: its health, and the few metrics an operator reads first (slot lag, snapshot chunks,
 * the loader's lag, in-flight bytes), from {@code /actuator/health} and {@code /actuator/prometheus}.
 */
final class ServiceProbe {

    /** The metrics shown, by the name Prometheus gives them. */
    static final List<String> METRICS = List.of(
            "sluice_paused",
            "sluice_slot_lag_bytes",
            "sluice_snapshot_chunks",
            "sluice_getter_in_flight_bytes",
            "sluice_lag_seconds_max",
            "sluice_toast_gaps_open");

    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(\\{[^}]*\\})? ([-0-9.eE+NaInf]+)$");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A service's answer: its health status ({@code UNREACHABLE} if none) and its metrics' samples. */
    record Probe(String name, String url, String status, Map<String, Double> metrics) {
        boolean up() {
            return "UP".equals(status);
        }
    }

    Probe probe(String name, String baseUrl) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        String status;
        try {
            HttpResponse<String> health = get(base + "/actuator/health");
            if (health.statusCode() == 404) {
                return new Probe(name, base, "HTTP 404 (no actuator here: give the management port)", Map.of());
            }
            JsonNode body = JSON.readTree(health.body());
            status = body.has("status") ? body.get("status").asString() : "HTTP " + health.statusCode();
        } catch (Exception e) {
            String why = e instanceof java.net.ConnectException
                    ? "nothing answers at " + base
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new Probe(name, base, "UNREACHABLE (" + why + ")", Map.of());
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        try {
            for (String line : get(base + "/actuator/prometheus").body().split("\n")) {
                Matcher m = SAMPLE.matcher(line);
                if (m.matches() && METRICS.contains(m.group(1))) {
                    // the service's own name (every meter's application tag) is the row's already
                    String labels = m.group(2) == null
                            ? ""
                            : m.group(2)
                                    .replaceAll("application=\"[^\"]*\",?", "")
                                    .replace("{}", "");
                    metrics.put(m.group(1) + labels, Double.valueOf(m.group(3)));
                }
            }
        } catch (Exception e) {
            // health answered: the metrics are a bonus, and their absence is visible as none
        }
        return new Probe(name, base, status, metrics);
    }

    private HttpResponse<String> get(String url) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
