package io.sluice.handler.pipeline;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * {@code lookup}: enriches rows from a reference table, e.g. {@code user_id → region, level}:
 *
 * <pre>
 * - lookup: {table: public.users, key: user_id, on: id, columns: [region, level], miss: keep,
 *            cache: {size: 100000, ttl: 10m}}
 * </pre>
 *
 * The keys a batch needs and the cache lacks are read in one query per batch; answers (misses too) are cached with a
 * size bound and a time to live, so changes to the reference table show within the TTL. {@code miss}: {@code keep}
 * (the columns stay NULL), {@code drop} (the row is left out) or {@code dead-letter}. The table and columns are checked
 * at start-up.
 */
final class LookupStep implements StepType {

    private final Supplier<DataSource> reference;

    LookupStep(Supplier<DataSource> reference) {
        this.reference = reference;
    }

    @Override
    public String name() {
        return "lookup";
    }

    /** A lookup's options, read and checked at start-up. */
    record Options(
            TableName table,
            String key,
            String on,
            List<String> columns,
            Miss miss,
            long cacheSize,
            Duration cacheTtl) {

        static Options of(StepConfig config) {
            StepOptions options = StepOptions.of(
                    config, List.of("table", "key", "on", "columns", "miss", "cache"), "table", "key", "columns");
            StepOptions cache = options.nested("cache", List.of("size", "ttl"));
            String key = options.text("key");
            return new Options(
                    options.table("table"),
                    key,
                    options.text("on", key),
                    options.texts("columns"),
                    options.choice("miss", Miss.class, Miss.KEEP),
                    cache.count("size", 0, 100_000),
                    cache.duration("ttl", Duration.ofMinutes(10)));
        }
    }

    @Override
    public Step create(StepConfig config) {
        Options options = Options.of(config);
        DataSource dataSource = config.referenceDatabase(reference);
        TableName table = options.table();
        String key = options.key();
        String on = options.on();
        List<String> columns = options.columns();
        Miss miss = options.miss();
        long size = options.cacheSize();
        Duration ttl = options.cacheTtl();
        Map<String, String> types = referenceTypes(config, dataSource, table, on, columns);
        Cache<String, Optional<List<String>>> cache =
                Caffeine.newBuilder().maximumSize(size).expireAfterWrite(ttl).build();
        String query = "SELECT " + Identifiers.quote(on) + "::text, "
                + String.join(
                        ", ",
                        columns.stream()
                                .map(c -> Identifiers.quote(c) + "::text")
                                .toList()) + " FROM "
                + table.quoted() + " WHERE " + Identifiers.quote(on) + " = ANY (?::" + types.get(on) + "[])";
        return batch -> {
            int at = batch.indexOf(key);
            if (at < 0) {
                return;
            }
            // One cache read per distinct key; the keys the cache lacks are fetched together.
            Map<String, Optional<List<String>>> answers = new HashMap<>();
            Set<String> wanted = new HashSet<>();
            for (WorkingBatch.WorkingRow row : batch.rows()) {
                String value = row.value(at);
                if (value != null && !answers.containsKey(value) && !wanted.contains(value)) {
                    Optional<List<String>> cached = cache.getIfPresent(value);
                    if (cached == null) {
                        wanted.add(value);
                    } else {
                        answers.put(value, cached);
                    }
                }
            }
            if (!wanted.isEmpty()) {
                Map<String, Optional<List<String>>> fetched = fetch(dataSource, query, wanted, columns.size());
                cache.putAll(fetched);
                answers.putAll(fetched);
            }
            List<Integer> targets = new ArrayList<>();
            for (String column : columns) {
                if (batch.indexOf(column) < 0) {
                    batch.addColumn(new Column(column, types.get(column), false), row -> null);
                }
                targets.add(batch.indexOf(column));
            }
            for (WorkingBatch.WorkingRow row : batch.rows()) {
                Optional<List<String>> found = answers.getOrDefault(row.value(at), Optional.empty());
                if (found.isPresent()) {
                    for (int i = 0; i < targets.size(); i++) {
                        row.set(targets.get(i), found.get().get(i));
                    }
                } else if (row.op() != Op.DELETE && miss == Miss.DROP) {
                    batch.drop(row);
                } else if (row.op() != Op.DELETE && miss == Miss.DEAD_LETTER) {
                    batch.reject(row, name(), key, "no " + table + " row with " + on + " = " + row.value(at));
                }
            }
        };
    }

    /** What becomes of a row whose key the reference table lacks. */
    enum Miss {
        /** The row goes on with the looked-up columns NULL. */
        KEEP,
        /** The row is filtered out. */
        DROP,
        /** The row is dead-lettered with the key it lacked. */
        DEAD_LETTER
    }

    /** One query for all the keys; a key without a row is cached as a miss. */
    private static Map<String, Optional<List<String>>> fetch(
            DataSource dataSource, String query, Set<String> keys, int columns) {
        Map<String, Optional<List<String>>> answers = new LinkedHashMap<>();
        keys.forEach(k -> answers.put(k, Optional.empty()));
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(query)) {
            select.setArray(1, connection.createArrayOf("text", keys.toArray()));
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    String[] values = new String[columns];
                    for (int i = 0; i < columns; i++) {
                        values[i] = rs.getString(i + 2);
                    }
                    answers.put(rs.getString(1), Optional.of(Arrays.asList(values)));
                }
            }
        } catch (SQLException e) {
            // Not the rows' fault: the batch is given back and retried.
            throw new IllegalStateException("lookup query failed: " + e.getMessage(), e);
        }
        return answers;
    }

    /** The types of the reference columns; a missing table or column is a configuration error. */
    private static Map<String, String> referenceTypes(
            StepConfig config, DataSource dataSource, TableName table, String on, List<String> columns) {
        Map<String, String> types = new LinkedHashMap<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement("SELECT attname, format_type(atttypid,"
                        + " atttypmod) FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0"
                        + " AND NOT attisdropped")) {
            query.setString(1, table.quoted());
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    types.put(rs.getString(1), rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw config.error("cannot read " + table + " in the reference database: " + e.getMessage());
        }
        if (types.isEmpty()) {
            throw config.error("no table " + table + " in the reference database");
        }
        List<String> needed = new ArrayList<>(columns);
        needed.add(0, on);
        for (String column : needed) {
            if (!types.containsKey(column)) {
                throw config.error("no column " + column + " in " + table);
            }
        }
        return types;
    }
}
