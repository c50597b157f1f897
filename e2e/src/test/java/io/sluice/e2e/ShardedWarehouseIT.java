package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sluice.common.amqp.Topology;
import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.getter.GetterApplication;
import io.sluice.handler.HandlerApplication;
import io.sluice.handler.pipeline.ShardHash;
import io.sluice.loader.LoaderApplication;
import io.sluice.pgtask.PgTaskProperties;
import io.sluice.pgtask.checks.DataCheck;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A warehouse sharded over two PostgreSQL servers: the handler's {@code shard} step sends each key to one of two loader
 * targets, each its own server; with a snapshot, inserts, updates (a key change among them) and deletes, every key
 * lands on exactly the shard its hash names, and pgtask's data check finds the source equal to the union of the shards.
 */
class ShardedWarehouseIT {

    private static final List<String> SHARDS = List.of("shard0", "shard1");

    private final TestDatabase source = TestPostgres.get().newDatabase("sharded_source");
    private final TestDatabase shard0 = TestPostgres.get().newDatabase("sharded_shard0");
    private final String prefix = RabbitBroker.uniquePrefix("shards");
    private final Topology names = new Topology(prefix, SHARDS);
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();
    private EmbeddedPostgres secondServer;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        services.reversed().forEach(ConfigurableApplicationContext::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
        if (secondServer != null) {
            secondServer.close();
        }
    }

    @Test
    void everyKeyLandsOnTheShardItsHashNamesAndTheCheckFindsTheUnionEqualToTheSource() throws Exception {
        secondServer = EmbeddedPostgres.start();
        TestDatabase shard1 = new TestDatabase("postgres", secondServer.jdbcUrl("postgres"));
        source.execute(
                "CREATE TABLE orders (id int8 PRIMARY KEY, amount numeric, note text)",
                "INSERT INTO orders SELECT i, i * 1.5, 'n' || i FROM generate_series(1, 2000) i");
        String targets = "--sluice.amqp.targets=" + String.join(",", SHARDS);
        for (int i = 0; i < SHARDS.size(); i++) {
            services.add(LoaderApplication.create()
                    .run(RabbitBroker.get()
                            .serviceArgs(
                                    prefix,
                                    targets,
                                    "--sluice.loader.target=" + SHARDS.get(i),
                                    "--spring.datasource.url=" + (i == 0 ? shard0 : shard1).jdbcUrl())));
        }
        Path pipelines = Files.writeString(dir.resolve("pipelines.yml"), """
                pipelines:
                  public.orders:
                    - shard: {targets: [shard0, shard1]}
                """);
        services.add(HandlerApplication.create()
                .run(RabbitBroker.get().serviceArgs(prefix, targets, "--sluice.handler.pipelines=" + pipelines)));
        services.add(GetterApplication.create().run(GetterArgs.of(prefix, source, shard0, targets)));
        await().atMost(Duration.ofSeconds(90))
                .ignoreExceptions()
                .until(() -> shard0.queryLong("SELECT count(*) FROM orders")
                                + shard1.queryLong("SELECT count(*) FROM orders")
                        == 2000);
        source.execute(
                "INSERT INTO orders SELECT i, i, 'new' FROM generate_series(2001, 2300) i",
                "UPDATE orders SET amount = amount + 1, note = 'updated' WHERE id % 7 = 0",
                "UPDATE orders SET id = id + 10000 WHERE id IN (3, 4, 5, 6)", // the key moves, maybe to the other shard
                "DELETE FROM orders WHERE id % 11 = 0");

        DataCheck check = new DataCheck(
                new PgTaskProperties.Check(
                        "orders-shards",
                        "0 0 * * * *",
                        "source",
                        "target",
                        "public.orders",
                        null,
                        "id",
                        List.of(),
                        8,
                        100,
                        null,
                        null,
                        Duration.ofMinutes(5),
                        List.of(),
                        false,
                        Duration.ofMinutes(2),
                        SHARDS),
                source.dataSource(),
                List.of(shard0.dataSource(), shard1.dataSource()),
                shard0.dataSource(),
                new SimpleMeterRegistry());
        long expected = source.queryLong("SELECT count(*) FROM orders");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions()
                .until(() -> check.run(Instant.now()).equals("source = target: " + expected + " rows in 8 buckets"));

        Set<Long> seen = new HashSet<>();
        for (int shard = 0; shard < SHARDS.size(); shard++) {
            for (List<Object> row : (shard == 0 ? shard0 : shard1).query("SELECT id FROM orders")) {
                long id = ((Number) row.get(0)).longValue();
                assertThat(seen.add(id)).as("key " + id + " on one shard only").isTrue();
                assertThat(ShardHash.of(List.of(Long.toString(id)), SHARDS.size()))
                        .as("key " + id)
                        .isEqualTo(shard);
            }
        }
        assertThat(seen).hasSize((int) expected).contains(10_003L, 10_006L).doesNotContain(3L, 11L, 2002L);
        assertThat(shard0.queryLong("SELECT count(*) FROM orders"))
                .as("both shards hold a share")
                .isBetween(expected / 3, expected * 2 / 3);
    }
}
