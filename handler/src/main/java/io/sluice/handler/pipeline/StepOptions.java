package io.sluice.handler.pipeline;

import io.sluice.common.pg.TableName;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.boot.convert.DurationStyle;

/**
 * The named options of a step ({@code - lookup: {table: …, key: …}}), read into typed values with a message that says
 * where and why when one is wrong. Every required option must be there and every option must be one the step knows:
 * a misspelt option is a start-up error, not a silently ignored default.
 */
public final class StepOptions {

    private final StepConfig config;
    private final String prefix;
    private final Map<String, StepConfig> entries;

    private StepOptions(StepConfig config, String prefix, Map<String, StepConfig> entries) {
        this.config = config;
        this.prefix = prefix;
        this.entries = entries;
    }

    /** The options of a step that knows {@code known}, of which {@code required} must be given. */
    public static StepOptions of(StepConfig config, List<String> known, String... required) {
        return read(config, "", known, required);
    }

    private static StepOptions read(StepConfig config, String prefix, List<String> known, String... required) {
        Map<String, StepConfig> entries = config.entries();
        for (String name : entries.keySet()) {
            if (!known.contains(name)) {
                throw entries.get(name)
                        .error("unknown option '" + prefix + name + "'; " + config.step() + " takes "
                                + known.stream().map(k -> prefix + k).collect(Collectors.joining(", ")));
            }
        }
        for (String name : required) {
            if (!entries.containsKey(name)) {
                throw config.error(config.step() + " needs '" + prefix + name + "'");
            }
        }
        return new StepOptions(config, prefix, entries);
    }

    public boolean has(String name) {
        return entries.containsKey(name);
    }

    /** The options nested under {@code name} ({@code cache: {size: …, ttl: …}}); none given reads as empty. */
    public StepOptions nested(String name, List<String> known) {
        if (!has(name)) {
            return new StepOptions(config, prefix + name + ".", Map.of());
        }
        return read(entries.get(name), prefix + name + ".", known);
    }

    public String text(String name) {
        return entries.get(name).text();
    }

    public String text(String name, String otherwise) {
        return has(name) ? text(name) : otherwise;
    }

    public List<String> texts(String name) {
        return has(name) ? entries.get(name).texts() : null;
    }

    /** A table name ({@code schema.table}, quoted parts allowed). */
    public TableName table(String name) {
        if (!has(name)) {
            return null;
        }
        try {
            return TableName.parse(text(name));
        } catch (IllegalArgumentException e) {
            throw entries.get(name).error(prefix + name + ": " + e.getMessage());
        }
    }

    /** A duration such as {@code 10m} or {@code 30s}. */
    public Duration duration(String name, Duration otherwise) {
        if (!has(name)) {
            return otherwise;
        }
        try {
            return DurationStyle.detectAndParse(text(name));
        } catch (IllegalArgumentException e) {
            throw entries.get(name)
                    .error(prefix + name + " is a duration such as 10m or 30s, not '" + text(name) + "'");
        }
    }

    /** A whole number, {@code min} or more. */
    public long count(String name, long min, long otherwise) {
        if (!has(name)) {
            return otherwise;
        }
        try {
            long value = Long.parseLong(text(name));
            if (value >= min) {
                return value;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw entries.get(name)
                .error(prefix + name + " is a whole number (" + min + " or more), not '" + text(name) + "'");
    }

    /** One of an enum's values, written in lower case with dashes ({@code DEAD_LETTER} as {@code dead-letter}). */
    public <E extends Enum<E>> E choice(String name, Class<E> type, E otherwise) {
        if (!has(name)) {
            return otherwise;
        }
        String text = text(name);
        for (E value : type.getEnumConstants()) {
            if (spelled(value).equals(text)) {
                return value;
            }
        }
        String choices =
                Arrays.stream(type.getEnumConstants()).map(StepOptions::spelled).collect(Collectors.joining(", "));
        throw entries.get(name).error(prefix + name + " is one of " + choices + ", not '" + text + "'");
    }

    private static String spelled(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
