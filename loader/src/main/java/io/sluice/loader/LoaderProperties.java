package io.sluice.loader;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The loader, under {@code sluice.loader}.
 *
 * @param sink where this loader writes: {@code postgresql} (the default), {@code redis} ({@code sluice.loader.redis.*}) or
 *     {@code object-storage} ({@code sluice.loader.object-storage.*}); the options below but {@code target},
 *     {@code max-messages}, {@code max-wait}, {@code consumers} and {@code retry-timeout} are PostgreSQL's
 * @param target the warehouse this loader writes (one of {@code sluice.amqp.targets}); its queue is read
 * @param maxMessages messages taken from the queue for one write and acknowledged together after its commit
 * @param maxRows rows per target transaction: a larger group of messages is written in several transactions
 * @param maxWait how long a consumer waits to fill a group before it writes what it has
 * @param consumers concurrent consumers (each with its own transaction) in one replica
 * @param retryTimeout how long a transient database failure (restart, lost connection, deadlock) is retried in place
 * @param createTables create a missing target table from the batch's columns (else such batches are dead-lettered)
 * @param allowedTargets {@code schema.table} globs of the target tables this loader may write (default: those the
 *     getter and file sources configured beside it and the table rules name, else {@code public.*}); Sluice's own
 *     schema and PostgreSQL's are never written
 * @param merge how upsert tables are merged: {@code auto} ({@code merge} where the target has it, else
 *     {@code on-conflict}), {@code merge} (one {@code MERGE}, PostgreSQL 15+), {@code on-conflict} ({@code INSERT … ON
 *     CONFLICT}, PostgreSQL 9.5+, Citus) or {@code portable} ({@code UPDATE … FROM} and {@code INSERT … WHERE NOT EXISTS} under the table's lock taken
 *     alone, for MPP engines without {@code ON CONFLICT}: Greenplum, HybridDB, Cloudberry)
 * @param tables per source table ({@code schema.table}, {@code schema.*} or {@code *}; quote keys with dots in
 *     brackets: {@code sluice.loader.tables[public.orders].mode=append}), how it is written
 */
@Validated
@ConfigurationProperties("sluice.loader")
public record LoaderProperties(
        @DefaultValue("postgresql") SinkKind sink,
        @DefaultValue("warehouse") String target,
        @DefaultValue("100") @Min(1) int maxMessages,
        @DefaultValue("50000") @Min(1) int maxRows,
        @DefaultValue("200ms") Duration maxWait,
        @DefaultValue("2") @Min(1) int consumers,
        @DefaultValue("2m") Duration retryTimeout,
        @DefaultValue("true") boolean createTables,
        List<String> allowedTargets,
        @DefaultValue("auto") MergeStrategy merge,
        Map<String, @Valid TableRule> tables) {

    public LoaderProperties {
        allowedTargets = allowedTargets == null ? List.of() : List.copyOf(allowedTargets);
        tables = tables == null ? Map.of() : Map.copyOf(tables);
    }
}
