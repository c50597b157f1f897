package io.sluice.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Prometheus (Debian's {@code prometheus} package, which {@code .ci/run} installs) scraping the given
 * {@code host:port} targets' {@code /actuator/prometheus} every second, with its data in a temporary directory.
 */
public final class LocalPrometheus implements AutoCloseable {

    /** How often it scrapes (and evaluates rules). */
    public static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);

    private static final List<Path> BINARIES =
            List.of(Path.of("/usr/bin/prometheus"), Path.of("/usr/local/bin/prometheus"));

    private final Process process;
    private final int port;
    private final Path directory;

    private LocalPrometheus(Process process, int port, Path directory) {
        this.process = process;
        this.port = port;
        this.directory = directory;
    }

    /** Whether a Prometheus binary is installed where {@link #start} looks. */
    public static boolean installed() {
        return BINARIES.stream().anyMatch(Files::isExecutable);
    }

    /** Starts Prometheus scraping these targets (job {@code sluice}); waits until it is ready. */
    public static LocalPrometheus start(List<String> targets) throws Exception {
        Path binary = BINARIES.stream()
                .filter(Files::isExecutable)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no prometheus binary: apt-get install prometheus (.ci/run installs it)"));
        Path directory = Files.createTempDirectory("sluice-prometheus");
        Path config = Files.writeString(directory.resolve("prometheus.yml"), """
                global: {scrape_interval: %ds, evaluation_interval: %ds}
                scrape_configs:
                  - job_name: sluice
                    metrics_path: /actuator/prometheus
                    static_configs:
                      - targets: [%s]
                """.formatted(
                        SCRAPE_INTERVAL.toSeconds(),
                        SCRAPE_INTERVAL.toSeconds(),
                        targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "))));
        int port = FreePorts.any();
        Process process = new ProcessBuilder(
                        binary.toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + directory.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("prometheus.log").toFile())
                .start();
        LocalPrometheus prometheus = new LocalPrometheus(process, port, directory);
        prometheus.awaitReady();
        return prometheus;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "prometheus exited: " + Files.readString(directory.resolve("prometheus.log")));
                }
                try {
                    HttpResponse<String> ready = http.send(
                            HttpRequest.newBuilder(url().resolve("/-/ready")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (ready.statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("prometheus was not ready within 30 s");
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        process.waitFor();
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
