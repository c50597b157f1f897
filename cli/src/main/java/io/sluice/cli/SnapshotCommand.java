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

/**
 * {@code sluice snapshot <source> <table> [--where SQL]}: asks the getter for an ad hoc snapshot of one captured table,
 * or of the rows a condition keeps, and follows it to the end.
 */
@Command(
        name = "snapshot",
        mixinStandardHelpOptions = true,
        description = {
            "Asks the getter to read one captured table again, beside streaming (an ad hoc snapshot). Its rows are"
                    + " versioned at the snapshot's point, so changes committed since win.",
            "It follows the snapshot and prints its progress until it is done (--no-follow returns once it is"
                    + " asked). Needs the admin token in SLUICE_SECURITY_TOKEN."
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

    @Option(
            names = "--where",
            paramLabel = "SQL",
            description = "read only the rows this condition on the table keeps, e.g. \"updated_at > now() - '1 day'\";"
                    + " it is ANDed into each chunk's read, so an index on its columns helps")
    String where;

    @Option(names = "--no-follow", description = "return once the snapshot is asked for, without following it")
    boolean noFollow;

    @Option(
            names = "--every",
            paramLabel = "DURATION",
            defaultValue = "PT1S",
            description = "how often to ask for progress while following (ISO-8601, default ${DEFAULT-VALUE})")
    Duration every;

    @Override
    public Integer call() throws Exception {
        String url =
                getter != null ? getter : System.getenv().getOrDefault("SLUICE_GETTER_URL", "http://localhost:8080");
        AdminClient client = new AdminClient(url, System.getenv());
        Map<String, String> query = new java.util.LinkedHashMap<>(Map.of("source", source, "table", table));
        if (where != null) {
            query.put("where", where);
        }
        AdminClient.Answer answer = client.post("/snapshots", query, Duration.ofSeconds(30));
        PrintWriter out = spec.commandLine().getOut();
        if (answer.status() / 100 != 2) {
            out.println(answer.field("error") != null ? answer.field("error") : "HTTP " + answer.status());
            return 1;
        }
        String what = "snapshot of " + answer.field("table") + " from " + answer.field("source")
                + (where == null ? "" : " where " + answer.field("where"));
        out.println(what + ": " + answer.field("state") + " (request " + answer.field("id") + ")");
        return noFollow ? 0 : follow(client, answer.field("id"), out);
    }

    /** Prints each change in the snapshot's progress until it is done; 1 when it was replaced or cannot be asked. */
    private int follow(AdminClient client, String id, PrintWriter out) throws Exception {
        String last = "";
        while (true) {
            AdminClient.Answer progress = client.get("/snapshots/" + id, Duration.ofSeconds(30));
            if (progress.status() / 100 != 2) {
                out.println(progress.field("error") != null ? progress.field("error") : "HTTP " + progress.status());
                return 1;
            }
            String state = progress.field("state");
            String line = state + ": " + progress.field("chunksDone") + "/" + progress.field("chunks") + " chunks, "
                    + String.format(
                            java.util.Locale.ROOT,
                            "%,d",
                            progress.body().get("rows").asLong()) + " rows";
            if (!line.equals(last)) {
                out.println(line);
                last = line;
            }
            if ("done".equals(state)) {
                return 0;
            }
            Thread.sleep(every.toMillis()); // polling an HTTP endpoint at the user's pace, not waiting in a test
        }
    }
}
