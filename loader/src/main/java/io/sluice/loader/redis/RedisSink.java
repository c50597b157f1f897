package io.sluice.loader.redis;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.loader.Sink;
import io.sluice.loader.redis.RedisSinkProperties.ValueFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.script.DigestUtils;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes each row under a key built from its table's template, as a hash or a JSON value, through a Lua script that
 * applies it only over an older version (see {@code versioned-write.lua}); a delete removes the key and leaves its
 * version as a tombstone with a TTL. Writes go in pipelines of a thousand: a round trip per thousand rows.
 */
public final class RedisSink implements Sink {

    private static final Logger log = LoggerFactory.getLogger(RedisSink.class);
    private static final String SCRIPT = script();
    private static final byte[] SCRIPT_BYTES = SCRIPT.getBytes(StandardCharsets.UTF_8);
    private static final String SHA = DigestUtils.sha1DigestAsHex(SCRIPT);
    /** Redis errors that pass by themselves: loading, a replica just promoted or demoted, a busy script, no memory. */
    private static final List<String> TRANSIENT_REPLIES =
            List.of("LOADING", "READONLY", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "OOM", "NOSCRIPT");

    /** Writes per pipeline: a round trip costs less than the server's time for this many scripts. */
    static final int PIPELINE_WRITES = 1_000;

    private final RedisConnectionFactory connections;
    private final RedisTables tables;
    private final long tombstoneTtlMillis;
    private final JsonMapper json = JsonMapper.builder().build();

    public RedisSink(RedisConnectionFactory connections, RedisSinkProperties properties) {
        if (properties.tombstoneTtl().isNegative() || properties.tombstoneTtl().isZero()) {
            throw new IllegalArgumentException("sluice.loader.redis.tombstone-ttl must be positive: a deleted key's"
                    + " version must outlive any redelivery, or a late older change would bring the row back");
        }
        this.connections = connections;
        this.tables = new RedisTables(properties);
        this.tombstoneTtlMillis = properties.tombstoneTtl().toMillis();
    }

    @Override
    public Result write(List<ChangeBatch> batches) {
        List<Write> writes = new ArrayList<>();
        Map<TableName, Integer> rows = new LinkedHashMap<>();
        List<Refused> refused = new ArrayList<>();
        for (ChangeBatch batch : batches) {
            if (batch.rows().isEmpty()) {
                continue; // a schema change: a hash or JSON value takes any columns
            }
            RedisTables.Options options = tables.of(batch.table());
            KeyTemplate.Bound keys;
            try {
                keys = options.key().bind(batch);
            } catch (IllegalArgumentException e) {
                refused.add(new Refused(batch, e.getMessage(), null));
                continue;
            }
            List<Row> badRows = new ArrayList<>();
            String badReason = null;
            int written = 0;
            for (Row row : batch.rows()) {
                if (row.op() == Op.TRUNCATE) {
                    log.warn("TRUNCATE of {} is not applied to Redis (its keys are not known)", batch.table());
                    continue;
                }
                try {
                    writes.add(new Write(batch, row, keys.keyOf(row), options));
                    written++;
                } catch (IllegalArgumentException e) {
                    badRows.add(row);
                    badReason = e.getMessage();
                }
            }
            if (!badRows.isEmpty()) {
                refused.add(new Refused(batch.withRows(badRows), badReason, null));
            }
            rows.merge(batch.table(), written, Integer::sum);
        }
        if (!writes.isEmpty()) {
            run(writes);
        }
        return new Result(rows, refused);
    }

    /** One row to write, under its key; its script arguments are built only when its pipeline runs. */
    private record Write(ChangeBatch batch, Row row, String key, RedisTables.Options options) {}

    /**
     * Runs the writes by the script's digest in pipelines of {@value #PIPELINE_WRITES} (one round trip each, and a
     * bounded heap for a group of any size); a server that does not know the script (the first write, a restart, a
     * failover) is given it and the pipeline runs again, which the versions make harmless.
     */
    private void run(List<Write> writes) {
        try (RedisConnection connection = connections.getConnection()) {
            for (int from = 0; from < writes.size(); from += PIPELINE_WRITES) {
                List<byte[][]> chunk = new ArrayList<>();
                for (Write write : writes.subList(from, Math.min(writes.size(), from + PIPELINE_WRITES))) {
                    chunk.add(arguments(write.batch(), write.row(), write.key(), write.options()));
                }
                try {
                    pipeline(connection, chunk);
                } catch (RuntimeException e) {
                    if (!mentions(e, "NOSCRIPT")) {
                        throw e;
                    }
                    connection.scriptingCommands().scriptLoad(SCRIPT_BYTES);
                    pipeline(connection, chunk);
                }
            }
        }
    }

    private static void pipeline(RedisConnection connection, List<byte[][]> writes) {
        connection.openPipeline();
        for (byte[][] keysAndArgs : writes) {
            connection.scriptingCommands().evalSha(SHA, ReturnType.INTEGER, 3, keysAndArgs);
        }
        connection.closePipeline();
    }

    private static boolean mentions(Throwable failure, String reply) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(reply)) {
                return true;
            }
        }
        return false;
    }

    private byte[][] arguments(ChangeBatch batch, Row row, String key, RedisTables.Options options) {
        List<String> args = new ArrayList<>();
        args.add(key);
        args.add(VersionKeys.of(key));
        args.add(VersionKeys.gapsOf(key));
        args.add(row.op() == Op.DELETE ? "d" : "u");
        args.add(Long.toString(row.lsn() >>> 32));
        args.add(Long.toString(row.lsn() & 0xFFFF_FFFFL));
        args.add(Long.toString(row.seq()));
        long ttl = options.ttl().toMillis();
        args.add(Long.toString(ttl));
        args.add(Long.toString(ttl > 0 ? Math.max(ttl, tombstoneTtlMillis) : 0));
        args.add(Long.toString(tombstoneTtlMillis));
        args.add(options.value() == ValueFormat.JSON ? "j" : "h");
        List<Column> columns = batch.columns();
        args.add(Integer.toString(row.unchanged().size()));
        for (int c : row.unchanged()) {
            args.add(columns.get(c).name());
        }
        if (row.op() == Op.DELETE) {
            args.add("0");
        } else if (options.value() == ValueFormat.JSON) {
            ObjectNode object = json.createObjectNode();
            for (int c = 0; c < columns.size(); c++) {
                if (!row.isUnchanged(c)) {
                    object.put(columns.get(c).name(), row.values().get(c));
                }
            }
            args.add(json.writeValueAsString(object));
        } else {
            List<String> nulls = new ArrayList<>();
            List<String> pairs = new ArrayList<>();
            for (int c = 0; c < columns.size(); c++) {
                String value = row.values().get(c);
                if (row.isUnchanged(c)) {
                    continue;
                }
                if (value == null) {
                    nulls.add(columns.get(c).name());
                } else {
                    pairs.add(columns.get(c).name());
                    pairs.add(value);
                }
            }
            args.add(Integer.toString(nulls.size()));
            args.addAll(nulls);
            args.addAll(pairs);
        }
        byte[][] bytes = new byte[args.size()][];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = args.get(i).getBytes(StandardCharsets.UTF_8);
        }
        return bytes;
    }

    @Override
    public boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DataAccessResourceFailureException
                    || t instanceof QueryTimeoutException
                    || t instanceof TransientDataAccessException) {
                return true;
            }
        }
        return TRANSIENT_REPLIES.stream().anyMatch(reply -> mentions(failure, reply));
    }

    private static String script() {
        try (InputStream in = RedisSink.class.getResourceAsStream("versioned-write.lua")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
