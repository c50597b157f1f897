package io.sluice.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice snapshot <source> <table>}: asks the getter for an ad hoc snapshot of one captured table. */
@Command(
        name = "snapshot",
        mixinStandardHelpOptions = true,
        description = {
            "Asks the getter to read one captured table again, beside streaming (an ad hoc snapshot). Its rows are"
                    + " versioned at the snapshot's point, so changes committed since win.",
            "Needs the admin token in SLUICE_SECURITY_TOKEN; follow it with sluice status --state-url …"
        })
final class SnapshotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SOURCE", description = "the CDC source's name (sluice.getter.cdc.sources)")
    String source;

    @Parameters(index = "1", paramLabel = "TABLE", description = "schema.table")
    String table;

    @Option(
            names = "--getter",
            description = "the getter's address (default: $SLUICE_GETTER_URL, else http://localhost:8080)")
    String getter;

    @Override
    public Integer call() throws Exception {
        String url =
                getter != null ? getter : System.getenv().getOrDefault("SLUICE_GETTER_URL", "http://localhost:8080");
        AdminClient.Answer answer = new AdminClient(url, System.getenv())
                .post("/snapshots", Map.of("source", source, "table", table), Duration.ofSeconds(30));
        PrintWriter out = spec.commandLine().getOut();
        if (answer.status() / 100 != 2) {
            out.println(answer.field("error") != null ? answer.field("error") : "HTTP " + answer.status());
            return 1;
        }
        out.println("snapshot of " + answer.field("table") + " from " + answer.field("source") + ": "
                + answer.field("state"));
        return 0;
    }
}
