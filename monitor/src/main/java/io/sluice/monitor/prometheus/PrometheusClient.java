package io.sluice.monitor.prometheus;

import io.sluice.common.Retries;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Prometheus's HTTP API ({@code /api/v1/query}, {@code /api/v1/query_range}) with a timeout per request and retries
 * for a Prometheus that is restarting; a wrong query fails at once with Prometheus's own message.
 */
public final class PrometheusClient {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final Duration timeout;
    private final RetryTemplate retry;
    private final HttpClient http;

    public PrometheusClient(URI base, Duration timeout, Duration retryFor) {
        this.base = base;
        this.timeout = timeout;
        this.retry = Retries.withBackoff(retryFor, e -> e instanceof Unreachable);
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public URI base() {
        return base;
    }

    /** An instant query at {@code time}. */
    public List<Series> query(String promql, Instant time) {
        return get("/api/v1/query?query=" + encode(promql) + "&time=" + time.getEpochSecond());
    }

    /** A range query from {@code start} to {@code end}, a point every {@code step}. */
    public List<Series> queryRange(String promql, Instant start, Instant end, Duration step) {
        return get("/api/v1/query_range?query=" + encode(promql) + "&start=" + start.getEpochSecond() + "&end="
                + end.getEpochSecond() + "&step=" + Math.max(1, step.toSeconds()));
    }

    private List<Series> get(String path) {
        try {
            return retry.execute(() -> parse(send(path)));
        } catch (RetryException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw cause instanceof PrometheusException p ? p : new PrometheusException(cause.getMessage(), cause);
        }
    }

    private HttpResponse<String> send(String path) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 503) {
                throw new Unreachable("Prometheus at " + base + " is not ready (HTTP 503)", null);
            }
            return response;
        } catch (HttpTimeoutException e) {
            throw new Unreachable("Prometheus at " + base + " did not answer within " + timeout, e);
        } catch (IOException e) {
            throw new Unreachable("Prometheus at " + base + " is not reachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PrometheusException("interrupted while querying Prometheus", e);
        }
    }

    private static List<Series> parse(HttpResponse<String> response) {
        JsonNode body;
        try {
            body = JSON.readTree(response.body());
        } catch (RuntimeException e) {
            throw new PrometheusException("Prometheus answered HTTP " + response.statusCode() + " without JSON");
        }
        if (!"success".equals(body.path("status").asString())) {
            throw new PrometheusException(
                    "Prometheus refused the query (" + body.path("errorType").asString() + "): "
                            + body.path("error").asString());
        }
        JsonNode data = body.path("data");
        List<Series> series = new ArrayList<>();
        String type = data.path("resultType").asString();
        if (type.equals("scalar")) {
            series.add(new Series(Map.of(), List.of(point(data.path("result")))));
            return series;
        }
        for (JsonNode result : data.path("result")) {
            Map<String, String> labels = new LinkedHashMap<>();
            result.path("metric")
                    .properties()
                    .forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
            List<Series.Point> points = new ArrayList<>();
            if (result.has("value")) {
                points.add(point(result.path("value")));
            }
            for (JsonNode value : result.path("values")) {
                points.add(point(value));
            }
            series.add(new Series(labels, points));
        }
        return series;
    }

    private static Series.Point point(JsonNode pair) {
        return new Series.Point(pair.get(0).asDouble(), parseValue(pair.get(1).asString()));
    }

    private static double parseValue(String text) {
        return switch (text) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    private static String encode(String promql) {
        return URLEncoder.encode(promql, StandardCharsets.UTF_8);
    }

    /** Prometheus could not be reached (or is not ready): worth retrying for a while. */
    private static final class Unreachable extends PrometheusException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
