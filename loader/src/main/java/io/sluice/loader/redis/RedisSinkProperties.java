package io.sluice.loader.redis;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Redis sink, under {@code sluice.loader.redis} (the connection itself is Spring Boot's {@code spring.data.redis.*}).
 *
 * @param key the key template: {@code {schema}}, {@code {table}}, {@code {key}} (the key columns' values joined by
 *     {@code :}) and {@code {column}} for any column's value, e.g. {@code {table}:{id}}
 * @param value how a row is stored: {@code hash} (a field per non-NULL column) or {@code json} (an object of the
 *     columns' PostgreSQL text values, NULL as {@code null})
 * @param ttl how long a written row lives (none by default)
 * @param tombstoneTtl how long a deleted key's version is kept, so that a late older change does not bring it back:
 *     longer than any redelivery or replay can take
 * @param tables per source table ({@code schema.table}, {@code schema.*} or {@code *}), its own key template, value
 *     format or TTL
 */
@ConfigurationProperties("sluice.loader.redis")
public record RedisSinkProperties(
        @DefaultValue("{table}:{key}") String key,
        @DefaultValue("hash") ValueFormat value,
        Duration ttl,
        @DefaultValue("1d") Duration tombstoneTtl,
        Map<String, TableOptions> tables) {

    public RedisSinkProperties {
        tables = tables == null ? Map.of() : Map.copyOf(tables);
    }

    /** How a row's columns are stored under its key. */
    public enum ValueFormat {
        HASH,
        JSON
    }

    /**
     * One table's own options; what is not set comes from the more general patterns, then the sink's.
     *
     * @param key the key template
     * @param value the value format
     * @param ttl how long a written row lives
     */
    public record TableOptions(String key, ValueFormat value, Duration ttl) {}
}
