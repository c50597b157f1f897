package io.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sluice}: the operator's command line. Exit codes a script can use: 0 ok, 1 failure, 2 usage. */
@Command(
        name = "sluice",
        mixinStandardHelpOptions = true,
        versionProvider = SluiceCli.Version.class,
        description = "Operate a Sluice pipeline: where it stands, and its dead letters seen, replayed and purged.",
        subcommands = {
            StatusCommand.class,
            DeadLettersCommand.class,
            PauseCommands.Pause.class,
            PauseCommands.Resume.class,
            SnapshotCommand.class,
            CheckCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:failed (the message says why)", "2:wrong usage"})
public final class SluiceCli implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@code main} runs it: errors as one line, not a stack trace. */
    static CommandLine commandLine() {
        CommandLine line = new CommandLine(new SluiceCli());
        line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("sluice: " + Failures.describe(e));
            return CommandLine.ExitCode.SOFTWARE;
        });
        return line;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                new CommandLine(this), "name a command, e.g. sluice dead-letters list (sluice --help lists them)");
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SluiceCli.class.getPackage().getImplementationVersion();
            return new String[] {"sluice " + (version == null ? "(development build)" : version)};
        }
    }
}
