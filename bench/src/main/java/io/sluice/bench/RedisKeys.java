package io.sluice.bench;

import io.sluice.common.batch.Column;
import io.sluice.common.batch.Row;
import io.sluice.testkit.TestRedis;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnection.PipeliningFlushPolicy;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;

/** A benchmark's keys in Redis, under a prefix of its own: counted, then removed with their version keys. */
final class RedisKeys implements AutoCloseable {

    private final LettuceConnectionFactory connections;
    private final StringRedisTemplate template;
    private final String prefix;

    RedisKeys(TestRedis redis, String prefix) {
        this.connections = new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.host(), redis.port()));
        connections.afterPropertiesSet();
        this.template = new StringRedisTemplate(connections);
        this.prefix = prefix;
    }

    /**
     * Redis's own limit for these rows: both phases as plain {@code HSET}s of every column (no version, no script), in
     * pipelines of 1,000, from one connection; returns the rows per second over both phases.
     */
    double pipelinedHashes(
            Report report, int rows, IntFunction<List<Column>> columns, IntFunction<List<Row>> phaseRows) {
        connections.setPipeliningFlushPolicy(PipeliningFlushPolicy.flushOnClose());
        double seconds = 0;
        for (int phase = 0; phase < 2; phase++) {
            List<Column> names = columns.apply(phase);
            List<Row> all = phaseRows.apply(phase);
            long start = System.nanoTime();
            try (RedisConnection connection = connections.getConnection()) {
                for (int from = 0; from < all.size(); from += 1_000) {
                    connection.openPipeline();
                    for (Row row : all.subList(from, Math.min(all.size(), from + 1_000))) {
                        Map<byte[], byte[]> hash = new LinkedHashMap<>();
                        for (int c = 0; c < names.size(); c++) {
                            hash.put(
                                    bytes(names.get(c).name()),
                                    bytes(row.values().get(c)));
                        }
                        connection
                                .hashCommands()
                                .hMSet(bytes(prefix + ":plain:" + row.values().get(0)), hash);
                    }
                    connection.closePipeline();
                }
            }
            double phaseSeconds = (System.nanoTime() - start) / 1e9;
            seconds += phaseSeconds;
            report.add(
                    "Redis limit: pipelined HSET, " + (phase == 0 ? "inserts" : "updates"),
                    null,
                    rows,
                    phaseSeconds,
                    "one connection, no version, no script");
        }
        long plain =
                keys().stream().filter(k -> k.startsWith(prefix + ":plain:")).count();
        if (plain != rows) {
            throw new IllegalStateException("Redis holds " + plain + " plain hashes, not " + rows);
        }
        keys().stream().filter(k -> k.startsWith(prefix + ":plain:")).forEach(template::delete);
        return 2.0 * rows / seconds;
    }

    private static byte[] bytes(String value) {
        return value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
    }

    long count() {
        return keys().size();
    }

    private List<String> keys() {
        List<String> keys = new ArrayList<>();
        try (Cursor<String> cursor = template.scan(
                ScanOptions.scanOptions().match(prefix + ":*").count(10_000).build())) {
            cursor.forEachRemaining(keys::add);
        }
        return keys;
    }

    @Override
    public void close() {
        List<String> batch = new ArrayList<>();
        for (String key : keys()) {
            batch.add(key);
            batch.add("sluice:version:{" + key + "}");
            batch.add("sluice:gaps:{" + key + "}");
            if (batch.size() >= 3_000) {
                template.delete(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            template.delete(batch);
        }
        connections.destroy();
    }
}
