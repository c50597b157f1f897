package io.sluice.handler.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/** Lookups against a real reference table: one query per batch, cached answers, the three miss policies. */
class LookupIT {

    private final TestDatabase reference = TestPostgres.get().newDatabase("lookup_ref");
    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();

    @TempDir
    Path dir;

    @BeforeEach
    void referenceTable() {
        reference.execute(
                "CREATE EXTENSION IF NOT EXISTS pg_stat_statements",
                "CREATE TABLE users (id int8 PRIMARY KEY, region text, level int)",
                "INSERT INTO users SELECT i, 'r' || (i % 5), i % 3 FROM generate_series(1, 90) i",
                "SELECT pg_stat_statements_reset()");
        dataSource.setURL(reference.jdbcUrl());
    }

    @Test
    void aBatchIsEnrichedWithOneQueryAndLaterBatchesComeFromTheCache() throws Exception {
        Pipelines pipelines = read("keep");

        WorkingBatch first = apply(pipelines, orders(1, 100));
        assertThat(first.output().columns().stream().map(Column::name))
                .containsExactly("order_id", "user_id", "region", "level");
        assertThat(first.output().columns().get(3).type()).isEqualTo("integer");
        assertThat(first.output().rows().get(6).values()).containsExactly("7", "7", "r2", "1");
        assertThat(first.output().rows().get(95).values()).containsExactly("96", "96", null, null);
        assertThat(lookupQueries()).isEqualTo(1);

        reference.execute("DELETE FROM users");
        WorkingBatch second = apply(pipelines, orders(1, 100));
        assertThat(second.output().rows().get(6).values()).containsExactly("7", "7", "r2", "1");
        assertThat(lookupQueries()).isEqualTo(1); // every key, found or not, was answered by the cache
    }

    @Test
    void missesAreDroppedOrDeadLetteredAsConfigured() throws Exception {
        WorkingBatch dropped = apply(read("drop"), orders(81, 100));
        assertThat(dropped.output().rows()).hasSize(10);
        assertThat(dropped.dropped()).isEqualTo(10);

        WorkingBatch dead = apply(read("dead-letter"), orders(81, 100));
        assertThat(dead.output().rows()).hasSize(10);
        assertThat(dead.rejectedBatches().keySet())
                .hasSize(10)
                .allSatisfy(
                        reason -> assertThat(reason).startsWith("step lookup, column user_id: no public.users row"));
    }

    @Test
    void anUnknownReferenceColumnStopsStartUpWithFileAndLine() throws Exception {
        Path file = dir.resolve("bad.yml");
        Files.writeString(file, """
                pipelines:
                  public.orders:
                    - lookup: {table: public.users, key: user_id, on: id, columns: [region, tier]}
                """);
        assertThatThrownBy(() -> new PipelineFiles(List.of(new LookupStep(() -> dataSource))).read(file))
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("bad.yml:3")
                .hasMessageContaining("no column tier in public.users");
    }

    @Test
    void aWrongOrMisspeltOptionStopsStartUpSayingWhatItTakes() throws Exception {
        for (String[] wrong : new String[][] {
            {"miss: ignore, cache: {size: 10, ttl: 1m}", "miss is one of keep, drop, dead-letter, not 'ignore'"},
            {"miss: keep, cache: {size: lots, ttl: 1m}", "cache.size is a whole number (0 or more), not 'lots'"},
            {"miss: keep, cache: {size: -1, ttl: 1m}", "cache.size is a whole number (0 or more), not '-1'"},
            {"miss: keep, cache: {size: 10, ttl: soon}", "cache.ttl is a duration such as 10m or 30s, not 'soon'"},
            // A misspelt option would otherwise be ignored and its default used without a word.
            {"mis: drop", "unknown option 'mis'; lookup takes table, key, on, columns, miss, cache"},
            {"cache: {size: 10, tll: 1m}", "unknown option 'cache.tll'; lookup takes cache.size, cache.ttl"}
        }) {
            Path file = dir.resolve("wrong.yml");
            Files.writeString(file, """
                    pipelines:
                      public.orders:
                        - lookup: {table: public.users, key: user_id, on: id, columns: [region], %s}
                    """.formatted(wrong[0]));
            assertThatThrownBy(() -> new PipelineFiles(List.of(new LookupStep(() -> dataSource))).read(file))
                    .as(wrong[0])
                    .isInstanceOf(PipelineConfigException.class)
                    .hasMessageContaining("wrong.yml:3")
                    .hasMessageContaining(wrong[1]);
        }
    }

    private Pipelines read(String miss) throws Exception {
        Path file = dir.resolve("lookup-" + miss + ".yml");
        Files.writeString(file, """
                pipelines:
                  public.orders:
                    - lookup: {table: public.users, key: user_id, on: id, columns: [region, level], miss: %s,
                               cache: {size: 1000, ttl: 10m}}
                """.formatted(miss));
        return new PipelineFiles(List.of(new LookupStep(() -> dataSource))).read(file);
    }

    private long lookupQueries() {
        return reference.queryLong("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
                + " WHERE query LIKE '%FROM \"public\".\"users\" WHERE%'");
    }

    private static WorkingBatch apply(Pipelines pipelines, ChangeBatch input) {
        WorkingBatch batch = new WorkingBatch(input);
        pipelines.forTable(input.table()).forEach(step -> step.step().apply(batch));
        return batch;
    }

    private static ChangeBatch orders(int from, int to) {
        List<Row> rows = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            rows.add(new Row(Op.INSERT, 10, i, Instant.now(), List.of(i + "", i + ""), List.of()));
        }
        return new ChangeBatch(
                "shop",
                Origin.CDC,
                new TableName("public", "orders"),
                List.of(new Column("order_id", "bigint", true), new Column("user_id", "bigint", false)),
                rows);
    }
}
