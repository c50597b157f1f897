package io.sluice.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** A module's runnable jar run in a JVM of its own, as a user runs it: what it printed and the code it returned. */
public record JarRun(int code, String out, String err) {

    /** {@code <module>/target/*-exec.jar}, looked up from the repository root or from a sibling module. */
    public static Path jar(String module) throws IOException {
        Path target = Files.isDirectory(Path.of(module, "target"))
                ? Path.of(module, "target")
                : Path.of("..", module, "target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-exec.jar"))
                    .findFirst()
                    .orElseThrow(
                            () -> new IllegalStateException("no executable jar in " + module + "/target: build it"));
        }
    }

    /** Starts the jar with these arguments and environment variables; its output goes to {@code out}. */
    public static Process start(String module, List<String> args, Map<String, String> env, Path out)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                jar(module).toString()));
        command.addAll(args);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    /** Runs the jar to its end. */
    public static JarRun run(String module, List<String> args, Map<String, String> env)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                jar(module).toString()));
        command.addAll(args);
        Path err = Files.createTempFile("sluice-" + module, ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = process.waitFor();
            return new JarRun(code, out, Files.readString(err));
        } finally {
            Files.delete(err);
        }
    }
}
