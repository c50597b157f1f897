package io.sluice.cli;

import io.sluice.common.amqp.Topology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/** Which dead letters a command takes: by stage, table, reason and age, at most a number of them. */
final class DeadLetterFilter {

    @Option(
            names = "--stage",
            description = "getter, handler or loader (default: all three)",
            converter = StageConverter.class)
    List<Topology.Stage> stages = new ArrayList<>();

    @Option(names = "--table", description = "schema.table, * as a wildcard (public.order*)")
    String table;

    @Option(names = "--reason", description = "text the reason contains (any case)")
    String reason;

    @Option(
            names = "--older-than",
            description = "only letters dead for longer than this (30s, 15m, 2h, 7d)",
            converter = AgeConverter.class)
    Duration olderThan;

    @Option(names = "--limit", description = "at most this many (default: all)")
    Integer limit;

    List<Topology.Stage> stages() {
        return stages.isEmpty() ? List.of(Topology.Stage.values()) : stages;
    }

    boolean matches(DeadLetter letter, Instant now) {
        if (table != null
                && (letter.table() == null
                        || !glob(table).matcher(letter.table()).matches())) {
            return false;
        }
        if (reason != null && !letter.reason().toLowerCase(Locale.ROOT).contains(reason.toLowerCase(Locale.ROOT))) {
            return false;
        }
        if (olderThan != null) {
            Duration age = letter.age(now);
            return age != null && age.compareTo(olderThan) > 0;
        }
        return true;
    }

    boolean full(int taken) {
        return limit != null && taken >= limit;
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (String part : glob.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    /** A stage by name. */
    static final class StageConverter implements picocli.CommandLine.ITypeConverter<Topology.Stage> {
        @Override
        public Topology.Stage convert(String value) {
            for (Topology.Stage stage : Topology.Stage.values()) {
                if (stage.id().equalsIgnoreCase(value)) {
                    return stage;
                }
            }
            throw new picocli.CommandLine.TypeConversionException(
                    "'" + value + "' is not a stage: getter, handler or loader");
        }
    }

    /** An age such as 90s, 15m, 2h or 7d (or ISO-8601, PT15M). */
    static final class AgeConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            var m = Pattern.compile("(\\d+)([smhd])").matcher(value.trim().toLowerCase(Locale.ROOT));
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            try {
                return Duration.parse(value);
            } catch (RuntimeException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' is not an age: say 30s, 15m, 2h or 7d");
            }
        }
    }
}
