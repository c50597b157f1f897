package io.sluice.getter.cdc;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Change data capture, under {@code sluice.getter.cdc}: one or more source databases, each with its own slot.
 *
 * @param enabled whether the getter captures changes at all
 * @param sources the databases to capture
 * @param maxBatchRows rows of one table gathered into one batch before it is published
 * @param maxBatchBytes value bytes of one table gathered into one batch before it is published
 * @param linger how long a table's rows from small transactions wait for the next transactions' rows before they are
 *     published together (one batch per table instead of one per transaction); zero publishes at every commit
 * @param statusInterval how often the getter reports its flushed position to the server
 * @param retryBackoff first wait before reconnecting after a failure; it doubles up to a minute
 * @param snapshot how initial snapshots are read
 * @param heartbeatInterval how often a heartbeat is written to each source's WAL, so that its slot advances even when
 *     the captured tables are idle; zero turns heartbeats off
 * @param maxInFlightBytes message bytes published but not yet confirmed by the broker, per getter; reading stops at
 *     this bound until confirms catch up
 */
@Validated
@ConfigurationProperties("sluice.getter.cdc")
public record CdcProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue List<@Valid Source> sources,
        @DefaultValue("5000") @Min(1) int maxBatchRows,
        @DefaultValue("4MB") DataSize maxBatchBytes,
        @DefaultValue("50ms") Duration linger,
        @DefaultValue("10s") Duration statusInterval,
        @DefaultValue("1s") Duration retryBackoff,
        @DefaultValue @Valid Snapshot snapshot,
        @DefaultValue("10s") Duration heartbeatInterval,
        @DefaultValue("64MB") DataSize maxInFlightBytes) {

    /**
     * One source database.
     *
     * @param name the source's name in batches and routing keys, e.g. {@code orders-db}
     * @param url JDBC URL of the source database ({@code jdbc:postgresql://host:5432/db})
     * @param username role with {@code REPLICATION} and {@code SELECT} on the captured tables
     * @param password that role's password
     * @param slot logical replication slot, created with pgoutput when missing
     * @param publication publication, created when missing
     * @param tables tables to capture, {@code schema.table} globs ({@code shop.*}, {@code public.order_?}); empty means
     *     every table; tables created later that match are picked up while running
     * @param exclude {@code schema.table} globs of tables never to capture; Sluice's own schema never is
     * @param keyless what to do with a matching table without a primary key or replica identity, whose updates and
     *     deletes the publication would make fail: {@code skip} it (the default, reported in health and a metric),
     *     {@code full} (set {@code REPLICA IDENTITY FULL}, when the role owns it), or {@code fail} (refuse to start)
     * @param excludeColumns per table ({@code exclude-columns[public.users]=password_hash}), columns whose values never
     *     leave the source: left out of the publication's column list (PostgreSQL 15+) and of snapshots
     * @param snapshotMode when the tables' existing rows are read: {@code initial} (when the slot is created),
     *     {@code never}, {@code initial_only} (then stop), {@code when_needed} (also when the slot was lost)
     * @param dropSlotOnStop drop the slot when the getter stops (for trials: a stopped getter then holds no WAL, and
     *     the next start snapshots again)
     */
    public record Source(
            @NotBlank @Pattern(regexp = "[A-Za-z0-9_-]+", message = "use letters, digits, '_' and '-'")
            String name,

            @NotBlank String url,
            String username,
            String password,

            @DefaultValue("sluice")
            @Pattern(regexp = "[a-z0-9_]{1,63}", message = "slot names are a-z, 0-9 and '_', at most 63")
            String slot,

            @DefaultValue("sluice") @NotBlank String publication,
            @DefaultValue List<String> tables,
            @DefaultValue List<String> exclude,
            @DefaultValue("skip") Keyless keyless,
            @DefaultValue Map<String, List<String>> excludeColumns,
            @DefaultValue("initial") SnapshotMode snapshotMode,
            @DefaultValue("false") boolean dropSlotOnStop) {

        public Source {
            // A name without a schema is in public, as TableName.parse reads it; "*" alone is every table.
            tables = tables.stream().map(Source::qualified).toList();
            exclude = exclude.stream().map(Source::qualified).toList();
            excludeColumns = Map.copyOf(excludeColumns);
        }

        /** The columns of a table whose values must not be captured. */
        public List<String> excludedColumns(io.sluice.common.pg.TableName table) {
            return excludeColumns.getOrDefault(table.toString(), List.of());
        }

        private static String qualified(String pattern) {
            String p = pattern.strip();
            return p.equals("*") || p.contains(".") ? p : "public." + p;
        }
    }

    /** What capture does with a table that has no primary key or replica identity. */
    public enum Keyless {
        SKIP,
        FULL,
        FAIL
    }

    /**
     * Initial snapshot reading.
     *
     * @param parallelism connections reading chunks at once, all sharing one consistent snapshot
     * @param chunkPages table pages (8 KiB each) per chunk; a finished chunk is never read again after a restart
     */
    public record Snapshot(
            @DefaultValue("2") @Min(1) int parallelism,
            @DefaultValue("2048") @Min(1) int chunkPages) {}
}
