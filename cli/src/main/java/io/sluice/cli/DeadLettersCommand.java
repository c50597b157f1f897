package io.sluice.cli;

import com.rabbitmq.client.Connection;
import io.sluice.common.amqp.Topology;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice dead-letters list|show|replay|purge}: the letters each stage set aside, and what to do with them. */
@Command(
        name = "dead-letters",
        mixinStandardHelpOptions = true,
        description = {
            "The messages a stage gave up on, each with its reason, in sluice.dead.<stage>.",
            "Every command takes letters without removing them; only a confirmed replay or a purge removes one,"
                    + " so an interrupted command loses nothing."
        },
        subcommands = {CommandLine.HelpCommand.class})
final class DeadLettersCommand {

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerOptions broker = new BrokerOptions();

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "One line per dead letter, then counts per stage and reason.")
    int list(
            @Mixin DeadLetterFilter filter,
            @Option(names = "--json", description = "JSON lines, for scripts") boolean json)
            throws Exception {
        PrintWriter out = out();
        List<DeadLetter> letters = collect(filter);
        Instant now = Instant.now();
        if (json) {
            letters.forEach(letter -> out.println(DeadLetterText.json(letter, now)));
            return 0;
        }
        out.println(DeadLetterText.tableHeader());
        letters.forEach(letter -> out.println(DeadLetterText.tableRow(letter, now)));
        Map<String, Integer> counts = new TreeMap<>();
        letters.forEach(l -> counts.merge(l.stage() + ": " + DeadLetterText.shorten(l.reason(), 70), 1, Integer::sum));
        out.println();
        out.println(letters.size() + " dead letter" + (letters.size() == 1 ? "" : "s") + " at " + broker.address());
        counts.forEach((what, n) -> out.printf("  %5d  %s%n", n, what));
        return 0;
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Each dead letter in full: headers, reason and its first rows.")
    int show(
            @Mixin DeadLetterFilter filter,
            @Option(names = "--rows", defaultValue = "5", description = "rows of each batch to print (default 5)")
                    int rows)
            throws Exception {
        PrintWriter out = out();
        for (DeadLetter letter : collect(filter)) {
            out.println(DeadLetterText.full(letter, rows));
        }
        return 0;
    }

    @Command(
            name = "replay",
            mixinStandardHelpOptions = true,
            description = {
                "Sends dead letters back where they were consumed from, once their cause is fixed.",
                "A letter is removed only after the broker confirmed its copy. Interrupted between the two, a letter is"
                        + " sent twice, which the loader's versioned merge absorbs.",
                "The getter's letters are input lines, not batches: fix the file and ingest it again instead."
            })
    int replay(
            @Mixin DeadLetterFilter filter,
            @Option(names = "--dry-run", description = "print what would be replayed, change nothing") boolean dryRun,
            @Option(
                            names = "--max-replays",
                            defaultValue = "3",
                            description = "skip letters replayed this often already (default 3): no endless loop")
                    int maxReplays)
            throws Exception {
        PrintWriter out = out();
        Instant now = Instant.now();
        int[] counts = new int[3]; // replayed, skipped, failed
        try (Connection connection = broker.connect();
                Replayer replayer = dryRun ? null : new Replayer(connection, Duration.ofSeconds(30))) {
            int taken = 0;
            for (Topology.Stage stage : filter.stages()) {
                taken += DeadLetterQueue.walk(connection, broker.topology(), stage, filter, taken, letter -> {
                    String line = DeadLetterText.tableRow(letter, now);
                    if (!letter.replayable() || letter.replays() >= maxReplays) {
                        counts[1]++;
                        out.println("skipped   " + line + "  ("
                                + (letter.replayable()
                                        ? "replayed " + letter.replays() + " times already; --max-replays to allow more"
                                        : "no route to replay it to")
                                + ")");
                        return DeadLetterQueue.Outcome.KEEP;
                    }
                    if (dryRun) {
                        counts[0]++;
                        out.println("would replay " + line + "  → " + letter.exchange() + " " + letter.routingKey());
                        return DeadLetterQueue.Outcome.KEEP;
                    }
                    try {
                        replayer.replay(letter);
                    } catch (Exception e) {
                        counts[2]++;
                        out.println("failed    " + line + "  (" + Failures.describe(e) + ")");
                        throw e; // the channel is gone with it: stop here, everything not replayed stays
                    }
                    counts[0]++;
                    out.println("replayed  " + line + "  → " + letter.exchange() + " " + letter.routingKey());
                    return DeadLetterQueue.Outcome.REMOVE;
                });
            }
        }
        out.printf(
                "%s %d, skipped %d, failed %d%n",
                dryRun ? "would replay" : "replayed", counts[0], counts[1], counts[2]);
        return counts[1] + counts[2] == 0 ? 0 : 1;
    }

    @Command(
            name = "purge",
            mixinStandardHelpOptions = true,
            description = "Deletes the dead letters the filter takes (all of them without one).")
    int purge(
            @Mixin DeadLetterFilter filter,
            @Option(names = "--dry-run", description = "print what would be deleted, change nothing") boolean dryRun,
            @Option(names = "--yes", description = "really delete: a purge cannot be undone") boolean yes)
            throws Exception {
        if (!dryRun && !yes) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "purge deletes for good: add --yes (or --dry-run to see what it would delete)");
        }
        PrintWriter out = out();
        Instant now = Instant.now();
        int purged = 0;
        try (Connection connection = broker.connect()) {
            for (Topology.Stage stage : filter.stages()) {
                purged += DeadLetterQueue.walk(connection, broker.topology(), stage, filter, purged, letter -> {
                    out.println((dryRun ? "would purge " : "purged  ") + DeadLetterText.tableRow(letter, now));
                    return dryRun ? DeadLetterQueue.Outcome.KEEP : DeadLetterQueue.Outcome.REMOVE;
                });
            }
        }
        out.println((dryRun ? "would purge " : "purged ") + purged);
        return 0;
    }

    private List<DeadLetter> collect(DeadLetterFilter filter) throws Exception {
        List<DeadLetter> letters = new ArrayList<>();
        try (Connection connection = broker.connect()) {
            for (Topology.Stage stage : filter.stages()) {
                DeadLetterQueue.walk(connection, broker.topology(), stage, filter, letters.size(), letter -> {
                    letters.add(letter);
                    return DeadLetterQueue.Outcome.KEEP;
                });
            }
        }
        return letters;
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }
}
