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
        io.sluice.testkit.JarRun run = io.sluice.testkit.JarRun.run("cli", args, env);
        return new CliRun(run.code(), run.out(), run.err());
    }
}
