package io.sluice.loader.redis;

import io.sluice.common.pg.TableName;
import io.sluice.loader.redis.RedisSinkProperties.TableOptions;
import io.sluice.loader.redis.RedisSinkProperties.ValueFormat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Each source table's Redis options: its own ({@code schema.table}) over its schema's ({@code schema.*}) over
 * everyone's ({@code *}) over the sink's, option by option.
 */
final class RedisTables {

    /** One table's resolved options. */
    record Options(KeyTemplate key, ValueFormat value, Duration ttl) {}

    private final RedisSinkProperties properties;
    private final Map<TableName, Options> resolved = new ConcurrentHashMap<>();

    RedisTables(RedisSinkProperties properties) {
        this.properties = properties;
        new KeyTemplate(properties.key()); // a malformed template fails start-up
        properties.tables().forEach((pattern, options) -> {
            if (!pattern.equals("*") && !pattern.endsWith(".*")) {
                TableName.parse(pattern);
            }
            if (options.key() != null) {
                new KeyTemplate(options.key());
            }
        });
    }

    Options of(TableName table) {
        return resolved.computeIfAbsent(table, this::resolve);
    }

    private Options resolve(TableName table) {
        List<TableOptions> specific = table.patterns().stream()
                .map(properties.tables()::get)
                .filter(Objects::nonNull)
                .toList();
        String key = pick(specific, TableOptions::key, properties.key());
        ValueFormat value = pick(specific, TableOptions::value, properties.value());
        Duration ttl = pick(specific, TableOptions::ttl, properties.ttl() == null ? Duration.ZERO : properties.ttl());
        return new Options(new KeyTemplate(key), value, ttl);
    }

    /** The most specific pattern's setting of an option, else the sink's. */
    private static <T> T pick(List<TableOptions> specific, Function<TableOptions, T> option, T otherwise) {
        return specific.stream()
                .map(option)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(otherwise);
    }
}
