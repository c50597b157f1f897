package io.sluice.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Reads a running service's actuator endpoints the way Kubernetes probes and Prometheus do. */
public final class ActuatorProbe {

    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;

    public ActuatorProbe(int port) {
        this.port = port;
    }

    /** The probe of a service running in this JVM, on its management port. */
    public static ActuatorProbe of(org.springframework.core.env.Environment environment) {
        return new ActuatorProbe(managementPort(environment));
    }

    /** A running service's management (actuator) port: its own, or the server's when they are one. */
    public static int managementPort(org.springframework.core.env.Environment environment) {
        String port = environment.getProperty("local.management.port");
        return Integer.parseInt(port != null ? port : environment.getRequiredProperty("local.server.port"));
    }

    /** The body of a GET; fails unless the status is 200. */
    public String get(String path) {
        return get(path, null);
    }

    /** The body of a GET with an {@code Authorization} header (null: none); fails unless the status is 200. */
    public String get(String path, String authorization) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError(path + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new AssertionError("cannot GET " + path + " on port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The HTTP status of a GET (e.g. 503 for a probe that is down); -1 when nothing answers. */
    public int status(String path) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Fails unless liveness and readiness say UP. */
    public void assertLiveAndReady() {
        for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
            String body = get(probe);
            if (!body.contains("\"UP\"")) {
                throw new AssertionError(probe + " is not UP: " + body);
            }
        }
    }

    /** The Prometheus scrape. */
    public String metrics() {
        return get("/actuator/prometheus");
    }
}
