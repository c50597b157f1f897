package io.sluice.cli;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls a service's authenticated admin API with the token the services share ({@code SLUICE_SECURITY_TOKEN}, read
 * from the environment only and never printed), and turns a refusal into a sentence.
 */
final class AdminClient {

    static final String TOKEN_VARIABLE = "SLUICE_SECURITY_TOKEN";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String token;

    AdminClient(String base, Map<String, String> env) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.token = env.get(TOKEN_VARIABLE);
    }

    /** A POST's answer: its status and its JSON body. */
    record Answer(int status, JsonNode body) {
        String field(String name) {
            return body.has(name) ? body.get(name).asString() : null;
        }
    }

    Answer get(String path, Duration timeout) throws Exception {
        return send(path, Map.of(), timeout, HttpRequest.BodyPublishers.noBody(), "GET");
    }

    Answer post(String path, Map<String, String> query, Duration timeout) throws Exception {
        return send(path, query, timeout, HttpRequest.BodyPublishers.noBody(), "POST");
    }

    private Answer send(
            String path, Map<String, String> query, Duration timeout, HttpRequest.BodyPublisher body, String method)
            throws Exception {
        String url = base
                + path
                + (query.isEmpty()
                        ? ""
                        : "?"
                                + query.entrySet().stream()
                                        .map(e -> e.getKey() + "="
                                                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                                        .collect(Collectors.joining("&")));
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(url)).timeout(timeout).method(method, body);
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IllegalStateException("nothing answers at " + base + " (is the service's port forwarded?)", e);
        }
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new IllegalStateException(
                    token == null || token.isBlank()
                            ? base + " wants the admin token: set " + TOKEN_VARIABLE
                            : base + " refused the admin token in " + TOKEN_VARIABLE + " (HTTP " + response.statusCode()
                                    + ")");
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (RuntimeException e) {
            throw new IllegalStateException(base + path + " answered HTTP " + response.statusCode() + " without JSON: "
                    + DeadLetterText.shorten(response.body(), 200));
        }
        return new Answer(response.statusCode(), json);
    }
}
