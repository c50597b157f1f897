package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How the tests start a module's runnable jar fast: from its extracted layout (as the images run it, one jar per
 * library) with a JDK AOT cache (JEP 483/514, JDK 25+). The first service started from a jar records the cache as it
 * runs and writes it when it is stopped; later starts load their classes from it and take a fraction of the CPU, which
 * on a 2-core machine is most of a service's start. {@code SLUICE_SERVICE_AOT=off} turns it off.
 */
final class AotLaunch {

    /** Caches being recorded by a process of this JVM, so that only one start records each. */
    private static final Set<Path> RECORDING = ConcurrentHashMap.newKeySet();

    private final List<String> jvmOptions;
    private final Path jar;
    private final Path recording;
    private final Path cache;

    private AotLaunch(List<String> jvmOptions, Path jar, Path recording, Path cache) {
        this.jvmOptions = jvmOptions;
        this.jar = jar;
        this.recording = recording;
        this.cache = cache;
    }

    /** The launch of this executable jar: from its AOT cache, recording it, or plainly where neither can be. */
    static AotLaunch of(Path execJar) throws IOException {
        Path jar = execJar.toAbsolutePath().normalize();
        if (!enabled()) {
            return new AotLaunch(List.of(), jar, null, null);
        }
        Path dir = jar.resolveSibling("aot-" + Files.getLastModifiedTime(jar).toMillis());
        Path extracted = dir.resolve(jar.getFileName());
        if (!Files.exists(extracted)) {
            extract(jar, dir);
        }
        Path cache = dir.resolve("app.aot");
        // The JDK's own log lines about the cache stay out of the service's log, which tests read.
        List<String> quiet = List.of("-Xlog:aot*=off", "-Xlog:cds*=off");
        if (Files.exists(cache)) {
            List<String> options = new ArrayList<>(quiet);
            options.add("-XX:AOTCache=" + cache);
            return new AotLaunch(options, extracted, null, cache);
        }
        if (!RECORDING.add(cache)) {
            return new AotLaunch(List.of(), extracted, null, null);
        }
        Path recording = dir.resolve("app-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".aot");
        List<String> options = new ArrayList<>(quiet);
        options.add("-XX:AOTCacheOutput=" + recording);
        return new AotLaunch(options, extracted, recording, cache);
    }

    /** JVM options to put before {@code -jar}. */
    List<String> jvmOptions() {
        return jvmOptions;
    }

    /** The jar to run. */
    Path jar() {
        return jar;
    }

    /** Whether this start records the cache, which the JVM writes as it exits (a few seconds). */
    boolean recording() {
        return recording != null;
    }

    /**
     * After the process ended: a cache recorded by a service that ran until it was asked to stop becomes the module's;
     * one from a process that died on its own (a start-up failure, a kill) is dropped, as it saw too little.
     */
    void ended(boolean stoppedWhileRunning) {
        if (recording == null) {
            return;
        }
        try {
            if (stoppedWhileRunning && Files.exists(recording)) {
                try {
                    Files.move(recording, cache, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(recording, cache, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.deleteIfExists(recording);
            Files.deleteIfExists(Path.of(recording + ".config"));
        } catch (IOException e) {
            // Only speed is lost: the next start records again.
        } finally {
            RECORDING.remove(cache);
        }
    }

    private static boolean enabled() {
        return !"off".equalsIgnoreCase(System.getenv("SLUICE_SERVICE_AOT"))
                && Runtime.version().feature() >= 25;
    }

    /** Spring Boot's own extraction ({@code -Djarmode=tools extract}), into a fresh directory moved into place whole. */
    private static void extract(Path jar, Path dir) throws IOException {
        Path temporary = Files.createTempDirectory(jar.getParent(), "aot-extracting-");
        Path out = Files.createTempFile("sluice-extract-", ".log");
        try {
            Process process = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElse("java"),
                            "-Djarmode=tools",
                            "-jar",
                            jar.toString(),
                            "extract",
                            "--destination",
                            temporary.resolve("x").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException("extracting " + jar + " failed: " + Files.readString(out));
            }
            try {
                Files.move(temporary.resolve("x"), dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.exists(dir.resolve(jar.getFileName()))) {
                    throw e; // not another JVM's extraction that won the race
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while extracting " + jar, e);
        } finally {
            Files.deleteIfExists(out);
            deleteTree(temporary);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
