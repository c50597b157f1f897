package io.sluice.testkit;

import io.sluice.embedded.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A Sluice service run the way it runs in production: its own JVM, from its executable jar, with a heap limit. */
public final class ServiceProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final int managementPort;
    private final Path log;
    private final AotLaunch launch;
    private final HttpClient http = HttpClient.newHttpClient();

    private ServiceProcess(Process process, int port, int managementPort, Path log, AotLaunch launch) {
        this.process = process;
        this.launch = launch;
        this.port = port;
        this.managementPort = managementPort;
        this.log = log;
    }

    /**
     * Starts {@code <module>/target/*-exec.jar}, looked up from the repository root or from a sibling module.
     *
     * @param maxHeap the JVM's heap limit, e.g. {@code 512m}: a service that needs more dies, which a test sees
     */
    public static ServiceProcess start(String module, String maxHeap, List<String> args) throws IOException {
        AotLaunch launch = AotLaunch.of(JarRun.jar(module));
        int port = FreePorts.any();
        int managementPort = FreePorts.any();
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx" + maxHeap,
                "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED")); // as the images run: LZ4's native library, without a warning
        command.addAll(launch.jvmOptions());
        // Extra JVM options for the services, e.g. a profiler:
        // SLUICE_BENCH_SERVICE_JVM_OPTS="-XX:StartFlightRecording=..."
        String extraOptions = System.getenv("SLUICE_BENCH_SERVICE_JVM_OPTS");
        if (extraOptions != null && !extraOptions.isBlank()) {
            command.addAll(List.of(extraOptions.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", launch.jar().toString()));
        command.addAll(List.of(ServiceArgs.merge(
                args.toArray(String[]::new),
                new String[] {"--server.port=" + port, "--management.server.port=" + managementPort})));
        Path log = Files.createTempFile("sluice-" + module + "-", ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        System.err.println(module + " started (log " + log + ")");
        return new ServiceProcess(process, port, managementPort, log, launch);
    }

    /** The file the service's output goes to. */
    public Path log() {
        return log;
    }

    /** The admin API's port (server.port). */
    public int port() {
        return port;
    }

    /** The actuator's port: probes, health, metrics. */
    public int managementPort() {
        return managementPort;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Sum of a Prometheus metric's samples whose label text contains every filter; 0 when not (yet) there. */
    /** The process id, for signals and /proc. */
    public long pid() {
        return process.pid();
    }

    /** The service's /actuator/prometheus page, or empty while it does not answer. */
    public String metrics() {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    public double metric(String name, String... filters) {
        String body = metrics();
        double sum = 0;
        for (String line : body.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            boolean matches = true;
            for (String filter : filters) {
                matches &= line.contains(filter);
            }
            if (matches) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** Freezes the service (SIGSTOP): alive but silent, as a process stuck in a long GC pause or a frozen node. */
    public void pause() throws Exception {
        signal("STOP");
    }

    /** Lets a paused service go on (SIGCONT). */
    public void resume() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Kills the service with SIGKILL: no shutdown hook, no last word to the broker or the database. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
        launch.ended(false);
    }

    /** Stops the service as Kubernetes would (SIGTERM, then SIGKILL after a grace period). */
    @Override
    public void close() {
        boolean running = process.isAlive();
        process.destroy();
        // A service recording its AOT cache writes it as it exits, which takes a few seconds more.
        long grace = launch.recording() ? 120 : 20;
        boolean stopped = false;
        try {
            stopped = process.waitFor(grace, java.util.concurrent.TimeUnit.SECONDS);
            if (!stopped) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        launch.ended(running && stopped);
    }
}
