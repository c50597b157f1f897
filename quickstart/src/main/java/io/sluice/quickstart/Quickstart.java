package io.sluice.quickstart;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice-quickstart}: the whole pipeline with a demo shop workload, on embedded parts unless told otherwise. */
@Command(
        name = "sluice-quickstart",
        mixinStandardHelpOptions = true,
        description = {
            "Runs source PostgreSQL -> getter -> AMQP -> handler -> loader -> warehouse PostgreSQL, with pgtask and"
                    + " monitor, on embedded PostgreSQL and an embedded AMQP broker, under a demo e-commerce workload;"
                    + " shows rows/s, lag, dead letters and queue depth live, then checks source = target and makes a"
                    + " report."
        },
        sortOptions = false)
public final class Quickstart implements Callable<Integer> {

    @Option(
            names = "--duration",
            defaultValue = "PT45S",
            converter = DurationConverter.class,
            description = "how long the workload writes, e.g. 30s, 5m (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(
            names = "--rate",
            defaultValue = "200",
            description = "orders per second the workload places; each brings items, events and updates"
                    + " (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(
            names = "--amqp-uri",
            description = "a RabbitMQ (amqp://user:pass@host:5672/vhost) instead of the embedded broker")
    URI amqpUri;

    @Option(
            names = "--source-jdbc",
            description = "a source PostgreSQL (wal_level=logical; jdbc:postgresql://host/db?user=...&password=...)"
                    + " instead of the embedded one; the demo lives in its schema sluice_demo")
    String sourceJdbc;

    @Option(
            names = "--target-jdbc",
            description = "a warehouse PostgreSQL instead of the embedded one; the demo lives in schema sluice_demo")
    String targetJdbc;

    @Option(
            names = "--prometheus-url",
            description = "a Prometheus that scrapes the services, for the report (default: a local 'prometheus'"
                    + " binary if installed, else the report says it has no metrics)")
    URI prometheusUrl;

    @Option(
            names = "--work-dir",
            defaultValue = "sluice-quickstart",
            description = "where the log and the reports go (default: ${DEFAULT-VALUE})")
    Path workDir;

    @Option(
            names = "--keep",
            description = "after the summary, leave the databases, broker and services running (psql into them) until"
                    + " Ctrl-C or Enter")
    boolean keep;

    @Option(
            names = "--display",
            defaultValue = "auto",
            description = "live (redrawn in place), plain (a line every 5 s) or auto (live on a terminal)")
    Display.Mode display;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the quickstart; the exit code is 0 when the data checks passed. */
    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new Quickstart()).setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (rate < 1) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "--rate must be at least 1 order per second, got " + rate);
        }
        return new QuickstartRun(this).run();
    }

    /** Durations as people write them ({@code 30s}, {@code 5m}, {@code 1h}) or ISO-8601 ({@code PT30S}). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return org.springframework.boot.convert.DurationStyle.detectAndParse(value);
        }
    }
}
