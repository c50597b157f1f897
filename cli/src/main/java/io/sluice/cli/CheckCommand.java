package io.sluice.cli;

import io.sluice.common.state.CheckOutcomes;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice check run <job>}: runs one of pgtask's jobs now (a data check, usually) and prints how it went. */
@Command(name = "check", mixinStandardHelpOptions = true, description = "pgtask's data checks, run now.")
final class CheckCommand {

    @Spec
    CommandSpec spec;

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = {
                "Runs a pgtask job now and prints its outcome. Exit code 0 when it succeeded (for a check: source ="
                        + " target), 1 otherwise.",
                "Needs the admin token in SLUICE_SECURITY_TOKEN."
            })
    int run(
            @Parameters(paramLabel = "JOB", description = "the job's name, as in sluice.pgtask (orders-check)")
                    String job,
            @Option(
                            names = "--pgtask",
                            description = "pgtask's address (default: $SLUICE_PGTASK_URL, else http://localhost:8080)")
                    String pgtask,
            @Option(
                            names = "--timeout",
                            defaultValue = "15m",
                            description = "how long the run may take (default 15m)",
                            converter = DeadLetterFilter.AgeConverter.class)
                    Duration timeout)
            throws Exception {
        String url =
                pgtask != null ? pgtask : System.getenv().getOrDefault("SLUICE_PGTASK_URL", "http://localhost:8080");
        AdminClient.Answer answer = new AdminClient(url, System.getenv())
                .post(
                        "/jobs/" + java.net.URLEncoder.encode(job, java.nio.charset.StandardCharsets.UTF_8) + "/run",
                        Map.of(),
                        timeout);
        PrintWriter out = spec.commandLine().getOut();
        if (answer.status() == 404) {
            out.println(answer.field("error"));
            return 1;
        }
        String outcome = answer.field("outcome");
        String detail = answer.field("detail");
        out.println(job + ": " + outcome + (detail == null || detail.isBlank() ? "" : " — " + detail));
        return "succeeded".equals(outcome) && !CheckOutcomes.differ(detail) ? 0 : 1;
    }
}
