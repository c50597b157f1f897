package io.sluice.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/** What a command printed and returned, run in this JVM as {@code main} would run it. */
record CliRun(int code, String out, String err) {

    static CliRun of(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = SluiceCli.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        int code = line.execute(args.toArray(String[]::new));
        return new CliRun(code, out.toString(), err.toString());
    }

    /** The same through the runnable jar in a JVM of its own, as a user runs it: {@code java -jar sluice-cli….jar}. */
    static CliRun jar(List<String> args) throws Exception {
        return jar(args, java.util.Map.of());
    }

    /** The jar with these environment variables set (a token, a password) as a user exports them. */
    static CliRun jar(List<String> args, java.util.Map<String, String> env) throws Exception {
        java.nio.file.Path jar;
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().endsWith("-exec.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no runnable jar in cli/target: package it"));
        }
        List<String> command = new java.util.ArrayList<>(
                List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", jar.toString()));
        command.addAll(args);
        java.nio.file.Path err = java.nio.file.Files.createTempFile("sluice-cli", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int code = process.waitFor();
        String errors = java.nio.file.Files.readString(err);
        java.nio.file.Files.delete(err);
        return new CliRun(code, out, errors);
    }
}
