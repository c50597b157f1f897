package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.amqp.Topology;
import io.sluice.testkit.JarRun;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The loader's image as the Jib build makes it, offline from a local base image ({@code -Dimage.base=tar://…}): it runs
 * as a non-root user, exposes 8080, starts java with the container-sized heap flags on the service's main class, and
 * the application its layers hold starts and gets ready.
 */
class ImageIT {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    /**
     * What every runnable jar ships (each service's, the quickstart's, the CLI's) holds no test library and no other
     * operating system's native code: the test-scoped testkit, JUnit, Testcontainers, S3Proxy and its Jetty stay in the
     * tests, and the quickstart takes only the embedded infrastructure it runs.
     */
    @Test
    void noRunnableJarHoldsTestLibrariesOrForeignNativeCode() throws Exception {
        for (String module : List.of("getter", "handler", "loader", "pgtask", "monitor", "quickstart", "cli")) {
            List<String> libraries = new ArrayList<>();
            try (java.util.zip.ZipFile jar =
                    new java.util.zip.ZipFile(JarRun.jar(module).toFile())) {
                jar.stream()
                        .map(java.util.zip.ZipEntry::getName)
                        .filter(name -> name.startsWith("BOOT-INF/lib/"))
                        .forEach(name -> libraries.add(name.substring("BOOT-INF/lib/".length())));
            }
            assertThat(libraries).as(module).isNotEmpty();
            assertThat(libraries)
                    .as(module)
                    .noneMatch(name -> name.matches(
                            "(junit|testcontainers|s3proxy|jetty|sluice-testkit|assertj|awaitility|mockito|"
                                    + "netty-tcnative|netty-transport-native-(epoll|kqueue)|netty-transport-classes-kqueue)"
                                    + ".*"));
        }
    }

    @Test
    void theJibImageIsNonRootExposesItsPortAndHoldsAnApplicationThatStarts() throws Exception {
        Path base = localBaseImage(dir.resolve("base.tar"));
        Path image = dir.resolve("loader.tar");
        ProcessBuilder jib = new ProcessBuilder(
                        "./mvnw",
                        "-B",
                        "-q",
                        "-pl",
                        "loader",
                        "-am",
                        "package", // the modules as jars, as -Pimages package builds them
                        "jib:buildTar",
                        "-DskipTests",
                        "-Dspotless.skip=true",
                        "-Dimage.base=tar://" + base,
                        "-Djib.outputPaths.tar=" + image)
                .directory(Path.of("..").toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("build.log").toFile());
        jib.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process build = jib.start();
        assertThat(build.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(build.exitValue())
                .as(Files.readString(dir.resolve("build.log")))
                .isZero();

        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        JsonNode config = unpack(image, rootfs).path("config");
        assertThat(config.path("User").asString()).isEqualTo("65532:65532");
        assertThat(config.path("ExposedPorts").has("8080/tcp")).isTrue();
        List<String> entrypoint = new ArrayList<>();
        config.path("Entrypoint").forEach(part -> entrypoint.add(part.asString()));
        assertThat(entrypoint.getFirst()).isEqualTo("java");
        assertThat(entrypoint)
                .contains(
                        "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "--enable-native-access=ALL-UNNAMED");
        assertThat(entrypoint.getLast()).isEqualTo("io.sluice.loader.LoaderApplication");
        // OCI labels: the version, the commit it was built from, when.
        JsonNode labels = config.path("Labels");
        assertThat(labels.path("org.opencontainers.image.title").asString()).isEqualTo("sluice-loader");
        assertThat(labels.path("org.opencontainers.image.version").asString()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(labels.path("org.opencontainers.image.revision").asString()).matches("[0-9a-f]{40}");
        assertThat(java.time.OffsetDateTime.parse(
                        labels.path("org.opencontainers.image.created").asString()))
                .isBefore(java.time.OffsetDateTime.now().plusMinutes(1));

        // Run what the image holds: its classpath file, with the layers' paths, on this machine's JVM.
        String classpath =
                Files.readString(rootfs.resolve("app/jib-classpath-file")).trim();
        // Lean: no test libraries, and no other systems' native code that test-scoped dependencies used to leak.
        assertThat(classpath)
                .doesNotContain("junit", "testcontainers", "s3proxy", "sluice-testkit")
                .doesNotContain("netty-tcnative", "netty-transport-native-epoll", "netty-transport-native-kqueue");
        StringBuilder hostClasspath = new StringBuilder();
        for (String entry : classpath.split(":")) {
            hostClasspath
                    .append(hostClasspath.isEmpty() ? "" : ":")
                    .append(rootfs)
                    .append(entry);
        }
        // The operator's command line is in the image, on the service's classpath: `kubectl exec … -- sluice status`.
        Path script = rootfs.resolve("usr/local/bin/sluice");
        assertThat(Files.isExecutable(script)).isTrue();
        assertThat(Files.readString(script)).contains("-cp @/app/jib-classpath-file io.sluice.cli.SluiceCli");
        JarRunResult version = run(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                hostClasspath.toString(),
                "io.sluice.cli.SluiceCli",
                "--version"));
        assertThat(version.code()).as(version.out()).isZero();
        assertThat(version.out()).startsWith("sluice 0.");

        Topology names = new Topology(RabbitBroker.uniquePrefix("image"), List.of("warehouse"));
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxRAMPercentage=75",
                "-cp",
                hostClasspath.toString(),
                entrypoint.getLast()));
        command.addAll(List.of(RabbitBroker.get()
                .serviceArgs(
                        names.prefix(),
                        "--spring.datasource.url="
                                + TestPostgres.get().newDatabase("image").jdbcUrl(),
                        "--server.port=" + port,
                        "--management.server.port=" + port)));
        Process loader = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("loader.log").toFile())
                .start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline && loader.isAlive()) {
                Thread.sleep(500);
                try {
                    status = http.send(
                                    HttpRequest.newBuilder(URI.create(
                                                    "http://127.0.0.1:" + port + "/actuator/health/readiness"))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                } catch (java.io.IOException notYet) {
                    // still starting
                }
            }
            assertThat(status)
                    .as(classpath + "\n" + Files.readString(dir.resolve("loader.log")))
                    .isEqualTo(200);
        } finally {
            loader.destroy();
            loader.waitFor(30, TimeUnit.SECONDS);
            RabbitBroker.get().delete(names.queues(), names.exchanges());
        }
    }

    /**
     * A stand-in for the Temurin base, in {@code docker save} form: one layer with {@code /opt/java/openjdk}, and the
     * same {@code JAVA_HOME} and {@code PATH} as the real base.
     */
    private static Path localBaseImage(Path tar) throws Exception {
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(layer)) {
            byte[] release = "JAVA_VERSION=\"21\"\n".getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry entry = new TarArchiveEntry("opt/java/openjdk/release");
            entry.setSize(release.length);
            out.putArchiveEntry(entry);
            out.write(release);
            out.closeArchiveEntry();
        }
        byte[] layerBytes = layer.toByteArray();
        String diffId = "sha256:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(layerBytes));
        byte[] config = JSON.writeValueAsBytes(Map.of(
                "architecture",
                "amd64",
                "os",
                "linux",
                "config",
                Map.of(
                        "Env",
                        List.of(
                                "JAVA_HOME=/opt/java/openjdk",
                                "PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
                                        + ":/sbin:/bin")),
                "rootfs",
                Map.of("type", "layers", "diff_ids", List.of(diffId))));
        byte[] manifest = JSON.writeValueAsBytes(List.of(Map.of(
                "Config", "config.json", "RepoTags", List.of("local/temurin:21-jre"), "Layers", List.of("layer.tar"))));
        try (OutputStream file = Files.newOutputStream(tar);
                TarArchiveOutputStream out = new TarArchiveOutputStream(file)) {
            for (Map.Entry<String, byte[]> part : Map.of(
                            "layer.tar", layerBytes, "config.json", config, "manifest.json", manifest)
                    .entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(part.getKey());
                entry.setSize(part.getValue().length);
                out.putArchiveEntry(entry);
                out.write(part.getValue());
                out.closeArchiveEntry();
            }
        }
        return tar;
    }

    /** Unpacks an image tar's layers into {@code rootfs}; returns its container configuration. */
    private static JsonNode unpack(Path image, Path rootfs) throws Exception {
        Map<String, byte[]> files = new java.util.HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(image))) {
            TarArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                files.put(entry.getName(), in.readAllBytes());
            }
        }
        JsonNode manifest = JSON.readTree(files.get("manifest.json")).get(0);
        for (JsonNode layer : manifest.path("Layers")) {
            byte[] bytes = files.get(layer.asString());
            InputStream raw = new java.io.ByteArrayInputStream(bytes);
            InputStream content = bytes.length > 2 && bytes[0] == (byte) 0x1f && bytes[1] == (byte) 0x8b
                    ? new GZIPInputStream(raw)
                    : raw;
            try (TarArchiveInputStream in = new TarArchiveInputStream(content)) {
                TarArchiveEntry entry;
                while ((entry = in.getNextEntry()) != null) {
                    Path target = rootfs.resolve(entry.getName()).normalize();
                    if (!target.startsWith(rootfs)) {
                        continue;
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (entry.isFile()) {
                        Files.createDirectories(target.getParent());
                        Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        if ((entry.getMode() & 0100) != 0) {
                            target.toFile().setExecutable(true); // the layer's mode, as a container would see it
                        }
                    }
                }
            }
        }
        return JSON.readTree(files.get(manifest.path("Config").asString()));
    }

    /** What a command printed (both streams) and returned. */
    private record JarRunResult(int code, String out) {}

    private static JarRunResult run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new JarRunResult(process.waitFor(), out);
    }
}
