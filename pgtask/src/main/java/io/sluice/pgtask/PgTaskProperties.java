package io.sluice.pgtask;

import io.sluice.common.s3.S3Settings;
import io.sluice.pgtask.partitions.PartitionInterval;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * pgtask's jobs, under {@code sluice.pgtask}. Jobs name the databases they work on: {@code target} is the service's
 * own database ({@code spring.datasource}, which also holds schema {@code sluice}); others are listed under
 * {@code databases}.
 *
 * @param databases further databases by name (e.g. {@code source}), for checks and slow-query statistics
 * @param runner how runs lock, time out and retry
 * @param partitions partition rotation jobs
 * @param checks source-versus-target data checks
 * @param slowQueries slow-query statistics from {@code pg_stat_statements}
 * @param tombstonePurge the purge of the loader's old tombstones
 * @param swaps table swap rotations
 * @param rollups incremental summaries
 */
@Validated
@ConfigurationProperties("sluice.pgtask")
public record PgTaskProperties(
        @DefaultValue Map<String, @Valid Database> databases,
        @DefaultValue @Valid Runner runner,
        @DefaultValue List<@Valid Partitions> partitions,
        @DefaultValue List<@Valid Check> checks,
        @DefaultValue @Valid SlowQueries slowQueries,
        @DefaultValue @Valid TombstonePurge tombstonePurge,
        @DefaultValue List<@Valid Swap> swaps,
        @DefaultValue List<@Valid Rollup> rollups) {

    /**
     * A database jobs can name.
     *
     * @param url its JDBC URL
     * @param username the role (for slow-query statistics, one with {@code pg_read_all_stats})
     * @param password that role's password
     */
    public record Database(@NotBlank String url, String username, String password) {}

    /**
     * How runs lock, time out and retry.
     *
     * @param lockTimeout {@code lock_timeout} of every DDL: how long a job may queue behind the application's locks
     * @param statementTimeout {@code statement_timeout} of every DDL
     * @param retryDelay when a run deferred by a busy table is tried again
     * @param lockAtMostFor how long a run's lock holds if its replica dies mid-run
     * @param lockAtLeastFor how long a run's lock holds at least, so a replica whose clock is a little behind does not
     *     run the same scheduled time again
     */
    public record Runner(
            @DefaultValue("2s") Duration lockTimeout,
            @DefaultValue("15m") Duration statementTimeout,
            @DefaultValue("30s") Duration retryDelay,
            @DefaultValue("1h") Duration lockAtMostFor,
            @DefaultValue("1s") Duration lockAtLeastFor) {}

    /**
     * Partition rotation of a table range-partitioned by time.
     *
     * @param name the job's name
     * @param cron when it runs (seconds first); by default every ten minutes
     * @param database the database of the table
     * @param table the partitioned table, {@code schema.table}
     * @param interval {@code hourly}, {@code daily}, {@code weekly} or {@code monthly}
     * @param premake future partitions kept ready (besides the current one)
     * @param retention how long partitions are kept; none keeps all
     * @param retentionMode {@code drop}, {@code detach} (kept as a table) or {@code export} (compressed CSV, then drop)
     * @param exportDirectory where exported partitions go (or {@code export-s3})
     * @param exportS3 an S3-compatible bucket and prefix exported partitions go to
     */
    public record Partitions(
            @NotBlank String name,
            @DefaultValue("0 */10 * * * *") String cron,
            @DefaultValue("target") String database,
            @NotBlank String table,
            @DefaultValue("daily") PartitionInterval interval,
            @DefaultValue("4") @Min(0) int premake,
            Duration retention,
            @DefaultValue("drop") RetentionMode retentionMode,
            Path exportDirectory,
            @Valid S3Settings exportS3) {}

    /** What happens to a partition older than the retention. */
    public enum RetentionMode {
        DROP,
        DETACH,
        EXPORT
    }

    /**
     * A source-versus-target data check of one table.
     *
     * @param name the check's name
     * @param cron when it runs; by default hourly
     * @param source the source database
     * @param target the target database
     * @param table the source table, {@code schema.table}
     * @param targetTable the target table; by default the same name
     * @param key the key column (an integer or a text key)
     * @param columns the columns compared; by default all columns the two tables share
     * @param chunks key ranges compared at the top level; a mismatching range is split until keys are listed
     * @param maxKeys differing keys listed at most per check
     * @param snapshotSource the getter's CDC source name: when set, a mismatch asks that getter for an ad hoc
     *     snapshot of the table (a row in {@code sluice.snapshot_requests} of this service's database)
     * @param freshnessColumn a time column: the target's latest value may trail the source's by at most {@code maxLag}
     * @param maxLag the freshness allowed
     * @param rules SQL conditions every target row must meet, e.g. {@code amount >= 0}, {@code user_id IS NOT NULL}
     * @param repair with {@code snapshotSource}: the differing keys are re-read from the source by that getter (rows
     *     re-sent, deletes for keys the source no longer has, all versioned), then the check runs again until the
     *     table is equal or {@code repairTimeout} passes, and records the repair
     * @param repairTimeout how long a repair may take to reach the target
     * @param shards for a sharded target (the handler's {@code shard} step): the databases holding its shards, whose
     *     union is compared with the source instead of {@code target}'s (rules, freshness and repair need one target)
     */
    public record Check(
            @NotBlank String name,
            @DefaultValue("0 0 * * * *") String cron,
            @DefaultValue("source") String source,
            @DefaultValue("target") String target,
            @NotBlank String table,
            String targetTable,
            @NotBlank String key,
            @DefaultValue List<String> columns,
            @DefaultValue("16") @Min(1) int chunks,
            @DefaultValue("100") @Min(1) int maxKeys,
            String snapshotSource,
            String freshnessColumn,
            @DefaultValue("5m") Duration maxLag,
            @DefaultValue List<String> rules,
            @DefaultValue("false") boolean repair,
            @DefaultValue("2m") Duration repairTimeout,
            @DefaultValue List<String> shards) {}

    /**
     * Slow-query statistics.
     *
     * @param cron when a snapshot is taken; empty turns it off
     * @param databases the databases whose {@code pg_stat_statements} is read
     * @param top statements kept per interval and exposed, by total time
     * @param keep how long history is kept
     */
    public record SlowQueries(
            @DefaultValue("0 */5 * * * *") String cron,
            @DefaultValue List<String> databases,
            @DefaultValue("50") @Min(1) int top,
            @DefaultValue("30d") Duration keep) {}

    /**
     * The purge of the loader's tombstones (versions of deleted keys) older than a horizon.
     *
     * @param cron when it runs; empty turns it off
     * @param horizon tombstones older than this are purged: a change older than that is not expected any more
     */
    public record TombstonePurge(
            @DefaultValue("0 30 3 * * *") String cron,
            @DefaultValue("7d") Duration horizon) {}

    /**
     * A table swap rotation (the merge database's pattern): the application writes to {@code table}; the job swaps it
     * with its shadow, keeps the latest row per key from the shadow into {@code shipTo}, and empties the shadow.
     *
     * @param name the job's name
     * @param cron when it runs
     * @param database the database of the tables
     * @param table the table the application writes
     * @param shadow its shadow; by default {@code <table>_shadow}, created when missing
     * @param key the key columns
     * @param orderBy the column whose highest value is the latest row of a key (e.g. a timestamp or sequence)
     * @param shipTo the table the latest rows are upserted into
     */
    public record Swap(
            @NotBlank String name,
            @DefaultValue("0 * * * * *") String cron,
            @DefaultValue("target") String database,
            @NotBlank String table,
            String shadow,
            @NotEmpty List<String> key,
            @NotBlank String orderBy,
            @NotBlank String shipTo) {}

    /**
     * An incremental rollup: {@code select} aggregates rows of one time bucket into {@code into}.
     *
     * @param name the job's name
     * @param cron when it runs
     * @param database the database
     * @param source the table summarized
     * @param timeColumn its time column
     * @param bucket the bucket width, e.g. {@code 1h}
     * @param into the summary table, keyed by {@code bucket} (created by the user)
     * @param select the summary's select list over the rows of one bucket, e.g. {@code count(*) AS orders,
     *     sum(amount) AS amount}
     * @param recompute buckets before the watermark computed again on each run, for late rows
     */
    public record Rollup(
            @NotBlank String name,
            @DefaultValue("0 * * * * *") String cron,
            @DefaultValue("target") String database,
            @NotBlank String source,
            @NotBlank String timeColumn,
            @DefaultValue("1h") Duration bucket,
            @NotBlank String into,
            @NotBlank String select,
            @DefaultValue("2") @Min(0) int recompute) {}
}
