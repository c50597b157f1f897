package io.sluice.cli;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Connection;
import io.sluice.common.amqp.Topology;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code sluice status}: where the pipeline stands, in one view: each queue's depth and consumers, dead letters per
 * stage and reason, and, where told where to look, each service's health and first metrics, each snapshot's progress
 * and each table's last data check. Exit code 1 when something needs a person: a service not up, a work queue with
 * messages and no consumer, or a check that found a difference.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Where the pipeline stands: queues, dead letters, services, snapshots and checks.")
final class StatusCommand implements Callable<Integer> {

    /** At most this many letters per stage are read for the reasons; the depth counts them all. */
    static final int REASON_SAMPLE = 1_000;

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerOptions broker = new BrokerOptions();

    @Option(
            names = "--target",
            description = "a loader target, repeatable (default: $SLUICE_AMQP_TARGETS, else warehouse)")
    List<String> targets = new ArrayList<>();

    @Option(
            names = "--service",
            description = "name=actuator URL, repeatable: --service getter=http://localhost:8081",
            mapFallbackValue = "")
    Map<String, String> services = new LinkedHashMap<>();

    @Option(
            names = "--state-url",
            description = "JDBC URL of the state database for snapshots and checks (default: $SLUICE_STATE_URL);"
                    + " user and password from SPRING_DATASOURCE_USERNAME/_PASSWORD or PGUSER/PGPASSWORD")
    String stateUrl;

    @Option(names = "--json", description = "one JSON object, for scripts")
    boolean json;

    @Option(names = "--watch", description = "redraw every this many seconds until Ctrl-C (dead letters by depth only)")
    Integer watch;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (watch == null) {
            Status status = read(true);
            out.print(json ? JsonMapper.builder().build().writeValueAsString(status) + "\n" : status.text());
            out.flush(); // print does not flush, and main exits right after
            return status.needsAttention() ? 1 : 0;
        }
        while (true) {
            Status status = read(false);
            out.print("\033[H\033[2J" + status.text()); // clear and redraw, like watch(1)
            out.flush();
            Thread.sleep(Math.max(1, watch) * 1000L);
        }
    }

    private Status read(boolean reasons) throws Exception {
        Topology topology = topology();
        List<QueueStatus> queues = new ArrayList<>();
        Map<String, Integer> deadLetters = new TreeMap<>();
        try (Connection connection = broker.connect()) {
            for (String queue : topology.queues()) {
                queues.add(queue(connection, queue));
            }
            if (reasons) {
                DeadLetterFilter sample = new DeadLetterFilter();
                sample.limit = REASON_SAMPLE;
                for (Topology.Stage stage : Topology.Stage.values()) {
                    DeadLetterQueue.walk(connection, topology, stage, sample, 0, letter -> {
                        deadLetters.merge(
                                stage.id() + ": " + DeadLetterText.shorten(letter.reason(), 80), 1, Integer::sum);
                        return DeadLetterQueue.Outcome.KEEP;
                    });
                }
            }
        }
        List<ServiceProbe.Probe> probes = new ArrayList<>();
        ServiceProbe probe = new ServiceProbe();
        services.forEach((name, url) -> probes.add(probe.probe(name, url)));
        String url = stateUrl != null ? stateUrl : System.getenv("SLUICE_STATE_URL");
        List<StateReader.Snapshot> snapshots = List.of();
        List<StateReader.Check> checks = List.of();
        if (url != null && !url.isBlank()) {
            try (java.sql.Connection state = StateReader.connect(url, System.getenv())) {
                snapshots = StateReader.snapshots(state);
                checks = StateReader.lastChecks(state);
            }
        }
        return new Status(broker.address(), queues, deadLetters, probes, snapshots, checks);
    }

    private Topology topology() {
        List<String> names = new ArrayList<>(targets);
        String fromEnv = System.getenv("SLUICE_AMQP_TARGETS");
        if (names.isEmpty() && fromEnv != null && !fromEnv.isBlank()) {
            names.addAll(List.of(fromEnv.split("\\s*,\\s*")));
        }
        if (names.isEmpty()) {
            names.add("warehouse");
        }
        return new Topology(broker.topology().prefix(), names);
    }

    private static QueueStatus queue(Connection connection, String name) throws Exception {
        AMQP.Queue.DeclareOk ok = DeadLetterQueue.declared(connection, name);
        return ok == null
                ? new QueueStatus(name, 0, 0, false)
                : new QueueStatus(name, ok.getMessageCount(), ok.getConsumerCount(), true);
    }

    /** A queue's depth and consumers; {@code exists} false if no service declared it yet. */
    record QueueStatus(String name, long depth, long consumers, boolean exists) {

        boolean deadLetters() {
            return name.contains(".dead.");
        }

        boolean stalled() {
            return exists && !deadLetters() && depth > 0 && consumers == 0;
        }
    }

    /** Everything {@code status} shows. */
    record Status(
            String broker,
            List<QueueStatus> queues,
            Map<String, Integer> deadLettersByReason,
            List<ServiceProbe.Probe> services,
            List<StateReader.Snapshot> snapshots,
            List<StateReader.Check> checks) {

        boolean needsAttention() {
            return services.stream().anyMatch(s -> !s.up())
                    || queues.stream().anyMatch(QueueStatus::stalled)
                    || checks.stream().anyMatch(c -> !c.matched());
        }

        String text() {
            StringBuilder out = new StringBuilder();
            out.append("broker ").append(broker).append('\n');
            out.append(String.format("%-44s %10s %10s%n", "QUEUE", "MESSAGES", "CONSUMERS"));
            for (QueueStatus q : queues) {
                out.append(
                        q.exists()
                                ? String.format(
                                        "%-44s %10d %10d%s%n",
                                        q.name(), q.depth(), q.consumers(), q.stalled() ? "  <- no consumer" : "")
                                : String.format("%-44s %10s %10s%n", q.name(), "missing", "-"));
            }
            if (!deadLettersByReason.isEmpty()) {
                out.append("\ndead letters by stage and reason (first ")
                        .append(REASON_SAMPLE)
                        .append(" per stage)\n");
                deadLettersByReason.forEach((what, n) -> out.append(String.format("  %6d  %s%n", n, what)));
            }
            if (!services.isEmpty()) {
                out.append('\n').append(String.format("%-10s %-12s %s%n", "SERVICE", "HEALTH", "METRICS"));
                for (ServiceProbe.Probe s : services) {
                    out.append(String.format("%-10s %-12s %s%n", s.name(), s.status(), metrics(s.metrics())));
                }
            }
            if (!snapshots.isEmpty()) {
                out.append('\n')
                        .append(String.format(
                                "%-16s %-24s %-8s %14s %12s%n", "SOURCE", "SNAPSHOT SLOT", "STATE", "CHUNKS", "ROWS"));
                for (StateReader.Snapshot s : snapshots) {
                    out.append(String.format(
                            "%-16s %-24s %-8s %14s %12d%n",
                            s.source(), s.slot(), s.state(), s.chunksDone() + "/" + s.chunks(), s.rows()));
                }
            }
            if (!checks.isEmpty()) {
                out.append('\n').append(String.format("%-20s %-32s %-21s %s%n", "CHECK", "TABLE", "AT", "RESULT"));
                for (StateReader.Check c : checks) {
                    out.append(String.format(
                            "%-20s %-32s %-21s %s%n",
                            c.name(),
                            c.table(),
                            c.checkedAt(),
                            (c.matched() ? "equal " : "DIFFERENT ") + DeadLetterText.shorten(c.detail(), 60)));
                }
            }
            return out.toString();
        }

        private static String metrics(Map<String, Double> metrics) {
            StringBuilder out = new StringBuilder();
            metrics.forEach((name, value) -> out.append(name.replace("sluice_", ""))
                    .append('=')
                    .append(
                            value == Math.rint(value)
                                    ? String.valueOf(value.longValue())
                                    : String.format("%.3f", value))
                    .append("  "));
            return out.toString().strip();
        }
    }
}
