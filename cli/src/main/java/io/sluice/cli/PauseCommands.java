package io.sluice.cli;

import io.sluice.common.amqp.Topology;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice pause|resume <stage>}: stops a stage consuming (handler, loader) or capturing (getter) without losing
 * its position, and starts it again. A pause is per replica: name every replica's address.
 */
final class PauseCommands {

    private PauseCommands() {}

    /** What both commands take. */
    abstract static class Base {

        @Spec
        CommandSpec spec;

        @Parameters(
                paramLabel = "STAGE",
                description = "getter, handler or loader",
                converter = DeadLetterFilter.StageConverter.class)
        Topology.Stage stage;

        @Option(
                names = "--url",
                description =
                        "a replica's address, repeatable (default: $SLUICE_<STAGE>_URL, else http://localhost:8080)")
        List<String> urls = new ArrayList<>();

        int change(String path) throws Exception {
            List<String> targets = new ArrayList<>(urls);
            if (targets.isEmpty()) {
                String variable = "SLUICE_" + stage.id().toUpperCase(Locale.ROOT) + "_URL";
                targets.add(System.getenv().getOrDefault(variable, "http://localhost:8080"));
            }
            PrintWriter out = spec.commandLine().getOut();
            int failed = 0;
            for (String url : targets) {
                AdminClient admin = new AdminClient(url, System.getenv());
                // First which stage answers there: pausing the wrong service would be worse than none.
                AdminClient.Answer state = admin.get("/pause", Duration.ofSeconds(30));
                String served = state.field("stage");
                if (state.status() / 100 != 2 || !stage.id().equals(served)) {
                    failed++;
                    out.println(url + ": "
                            + (served != null
                                    ? "is a " + served + ", not a " + stage.id() + ": nothing changed there"
                                    : "HTTP " + state.status() + " " + state.body() + ": nothing changed there"));
                    continue;
                }
                AdminClient.Answer answer = admin.post(path, Map.of(), Duration.ofSeconds(60));
                if (answer.status() / 100 != 2) {
                    failed++;
                    out.println(url + ": HTTP " + answer.status() + " " + answer.body());
                    continue;
                }
                out.println(url + ": " + stage.id() + " " + answer.field("change")
                        + (answer.field("since") == null ? "" : " (paused since " + answer.field("since") + ")"));
            }
            return failed == 0 ? 0 : 1;
        }
    }

    /** {@code sluice pause <stage>}. */
    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = {
                "Pauses a stage on each replica named: the handler and loader stop consuming (their queue holds the"
                        + " messages), the getter stops reading changes (the slot holds its position and its WAL).",
                "Shown in health, in sluice status and as sluice_paused; the SluicePausedTooLong alert fires after 30"
                        + " minutes. A pause lasts until sluice resume or until the replica restarts.",
                "Needs the admin token in SLUICE_SECURITY_TOKEN."
            })
    static final class Pause extends Base implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return change("/pause");
        }
    }

    /** {@code sluice resume <stage>}. */
    @Command(
            name = "resume",
            mixinStandardHelpOptions = true,
            description = {
                "Resumes a paused stage on each replica named.",
                "Needs the admin token in SLUICE_SECURITY_TOKEN."
            })
    static final class Resume extends Base implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return change("/resume");
        }
    }
}
