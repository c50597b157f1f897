package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.handler.HandlerApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import io.sluice.testkit.TestRedis;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real-time cache: getter, handler and a loader with the Redis sink in their own JVMs, the loader and the getter
 * killed -9 mid-stream while the application inserts, updates (large TOASTed values left unchanged), deletes and
 * re-inserts: every key ends equal to the source's current row, composite keys included, and deleted keys are gone.
 */
class RedisCacheIT {

    private final TestRedis redis = TestRedis.require();
    private final TestDatabase source = TestPostgres.get().newDatabase("cache_source");
    private final TestDatabase state = TestPostgres.get().newDatabase("cache_state");
    private final String prefix = RabbitBroker.uniquePrefix("cache");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final LettuceConnectionFactory connections =
            new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.host(), redis.port()));
    private final AtomicInteger marks = new AtomicInteger();
    private StringRedisTemplate template;
    private ConfigurableApplicationContext handler;

    @AfterEach
    void stop() {
        if (handler != null) {
            handler.close();
        }
        RabbitBroker.get().delete(names.queues(), names.exchanges());
        if (template != null) {
            for (String key : keys(prefix + ":*")) {
                template.delete(List.of(key, "sluice:version:{" + key + "}", "sluice:gaps:{" + key + "}"));
            }
        }
        connections.destroy();
    }

    @Test
    void everyKeyEndsEqualToTheSourcesRowThroughKillsRedeliveriesAndDeletes() throws Exception {
        connections.afterPropertiesSet();
        template = new StringRedisTemplate(connections);
        source.execute(
                "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, tier text, body text)",
                "CREATE TABLE order_lines (order_id int, line int, qty int, PRIMARY KEY (order_id, line))",
                // body is large and incompressible, so it is TOASTed and left out of updates that do not change it.
                "INSERT INTO customers SELECT i, 'customer ' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'gold' END,"
                        + " (SELECT string_agg(md5(i::text || g::text), '') FROM generate_series(1, 200) g)"
                        + " FROM generate_series(1, 2000) i",
                "INSERT INTO order_lines SELECT i / 4, i % 4, i FROM generate_series(1, 2000) i");
        handler = HandlerApplication.create().run(RabbitBroker.get().serviceArgs(prefix));
        ServiceProcess loader = startLoader();
        ServiceProcess getter = startGetter();
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> write(new Random(5), stop));
        try {
            awaitMarked();
            loader.kill(); // mid-stream: its unacked batches come again
            loader = startLoader();
            awaitMarked();
            getter.kill(); // mid-stream: the changes since the confirmed LSN come again
            getter = startGetter();
            awaitMarked();
            stop.set(true);
            writes.join();
            awaitMarked();

            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        assertThat(cached("customers")).isEqualTo(sourceRows("customers", "id"));
                        assertThat(cached("order_lines")).isEqualTo(sourceRows("order_lines", "order_id, line"));
                    });
            assertThat(source.queryLong("SELECT count(*) FROM customers WHERE id > 0"))
                    .as("some customers were deleted, so some keys had to go")
                    .isLessThan(2000);
        } finally {
            stop.set(true);
            getter.close();
            loader.close();
        }
    }

    /** The source table's rows by their Redis key, each as its non-NULL columns' text values. */
    private Map<String, Map<String, String>> sourceRows(String table, String keyColumns) {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        String keyText = "concat_ws(':', " + keyColumns + ")";
        String sql = "SELECT " + keyText + ", (SELECT jsonb_object_agg(key, value) FROM jsonb_each_text(to_jsonb(t))"
                + " WHERE value IS NOT NULL)::text FROM " + table + " t";
        for (List<Object> row : source.query(sql)) {
            Map<String, String> values = new TreeMap<>();
            JsonMapper.builder()
                    .build()
                    .readTree((String) row.get(1))
                    .properties()
                    .forEach(e -> values.put(e.getKey(), e.getValue().asString()));
            rows.put(prefix + ":" + table + ":" + row.get(0), values);
        }
        return rows;
    }

    private Map<String, Map<String, String>> cached(String table) {
        Map<String, Map<String, String>> rows = new TreeMap<>();
        for (String key : keys(prefix + ":" + table + ":*")) {
            rows.put(key, new TreeMap<>(template.<String, String>opsForHash().entries(key)));
        }
        return rows;
    }

    private TreeSet<String> keys(String pattern) {
        TreeSet<String> keys = new TreeSet<>();
        try (Cursor<String> cursor = template.scan(
                ScanOptions.scanOptions().match(pattern).count(1000).build())) {
            cursor.forEachRemaining(keys::add);
        }
        return keys;
    }

    /** Marks a row in the source and waits until the cache holds the mark: everything before it has flowed. */
    private void awaitMarked() {
        String mark = "mark " + marks.incrementAndGet();
        source.execute("INSERT INTO customers VALUES (0, '" + mark + "', 'mark', NULL)"
                + " ON CONFLICT (id) DO UPDATE SET name = excluded.name");
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> mark.equals(template.opsForHash().get(prefix + ":customers:0", "name")));
    }

    /** Small transactions until stopped: updates leaving body unchanged, NULLs, deletes and re-inserts, both tables. */
    private void write(Random random, AtomicBoolean stop) {
        try (Connection c = source.connect();
                PreparedStatement rename = c.prepareStatement("UPDATE customers SET name = ?,"
                        + " tier = CASE WHEN tier IS NULL THEN 'silver' ELSE NULL END WHERE id = ?");
                PreparedStatement delete = c.prepareStatement("DELETE FROM customers WHERE id = ?");
                PreparedStatement insert = c.prepareStatement("INSERT INTO customers VALUES (?, ?, NULL, ?)"
                        + " ON CONFLICT (id) DO UPDATE SET name = excluded.name, body = excluded.body");
                PreparedStatement line = c.prepareStatement(
                        "UPDATE order_lines SET qty = qty + 1, order_id = order_id + 1000 WHERE order_id = ?"
                                + " AND line = ?");
                PreparedStatement dropLine =
                        c.prepareStatement("DELETE FROM order_lines WHERE order_id = ? AND line = ?")) {
            c.setAutoCommit(false);
            Map<String, Integer> counters = new HashMap<>();
            while (!stop.get()) {
                for (int i = 0, n = 1 + random.nextInt(10); i < n; i++) {
                    int id = 1 + random.nextInt(2000);
                    int step = counters.merge("step", 1, Integer::sum);
                    switch (random.nextInt(5)) {
                        case 0, 1 -> {
                            rename.setString(1, "renamed " + step);
                            rename.setInt(2, id);
                            rename.executeUpdate();
                        }
                        case 2 -> {
                            delete.setInt(1, id);
                            delete.executeUpdate();
                        }
                        case 3 -> {
                            insert.setInt(1, id);
                            insert.setString(2, "again " + step);
                            insert.setString(3, "new body " + step);
                            insert.executeUpdate();
                        }
                        default -> {
                            PreparedStatement lines = random.nextBoolean() ? line : dropLine;
                            lines.setInt(1, id / 4);
                            lines.setInt(2, id % 4);
                            lines.executeUpdate();
                        }
                    }
                }
                c.commit();
                try (Statement pause = c.createStatement()) {
                    pause.execute("SELECT pg_sleep(0.003)"); // an application's pace, not a bulk load
                }
                c.commit();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private ServiceProcess startLoader() throws Exception {
        return ServiceProcess.start(
                "loader",
                "384m",
                List.of(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--sluice.loader.sink=redis",
                                "--spring.data.redis.url=" + redis.url(),
                                "--sluice.loader.redis.key=" + prefix + ":{table}:{key}")));
    }

    private ServiceProcess startGetter() throws Exception {
        return ServiceProcess.start(
                "getter",
                "384m",
                List.of(GetterArgs.of(
                        prefix,
                        source,
                        state,
                        "--sluice.getter.cdc.max-batch-rows=50",
                        "--sluice.getter.cdc.retry-backoff=500ms")));
    }
}
