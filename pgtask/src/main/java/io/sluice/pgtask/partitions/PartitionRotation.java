package io.sluice.pgtask.partitions;

import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import io.sluice.pgtask.PgTaskProperties;
import io.sluice.pgtask.PgTaskProperties.RetentionMode;
import io.sluice.pgtask.runner.Ddl;
import io.sluice.pgtask.runner.Job;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Rotates the partitions of a table range-partitioned by a time column, as pg_partman does without the extension:
 * keeps a default partition, premakes the current and the next N periods (moving rows that waited in the default
 * partition into their new partition), and retires partitions older than the retention — dropped, detached and kept,
 * or exported as gzipped CSV and dropped. A partition that still holds a row newer than the retention horizon is
 * never retired. Each change is its own short transaction under the runner's lock and statement timeouts.
 */
public final class PartitionRotation implements Job {

    private static final DateTimeFormatter LITERAL =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    private final PgTaskProperties.Partitions config;
    private final DataSource database;
    private final Ddl ddl;
    private final TableName parent;
    private final S3Client s3;

    public PartitionRotation(PgTaskProperties.Partitions config, DataSource database, Ddl ddl) {
        this.config = config;
        this.database = database;
        this.ddl = ddl;
        this.parent = TableName.parse(config.table());
        if (config.retentionMode() == RetentionMode.EXPORT
                && (config.exportDirectory() == null) == (config.exportS3() == null)) {
            throw new IllegalArgumentException("partitions job '" + config.name()
                    + "': retention-mode export needs an export-directory or an export-s3 bucket (one of them)");
        }
        this.s3 = config.exportS3() == null ? null : config.exportS3().client();
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String kind() {
        return "partitions";
    }

    @Override
    public String cron() {
        return config.cron();
    }

    @Override
    public String run(Instant now) throws Exception {
        PartitionKey key = ddl.inTransaction(database, "reading " + parent, this::partitionKey);
        ddl.inTransaction(database, "creating the default partition of " + parent, c -> {
            execute(
                    c,
                    "CREATE TABLE IF NOT EXISTS " + child("default") + " PARTITION OF " + parent.quoted() + " DEFAULT");
            return null;
        });
        List<String> created = new ArrayList<>();
        Instant start = config.interval().floor(now);
        for (int i = 0; i <= config.premake(); i++) {
            Instant end = config.interval().next(start);
            String name = parent.name() + "_p" + config.interval().suffix(start);
            if (createIfMissing(key, name, start, end)) {
                created.add(name);
            }
            start = end;
        }
        List<String> retired = config.retention() == null ? List.of() : retire(key, now.minus(config.retention()));
        return "created " + created + ", retired " + retired;
    }

    /** The partition column and its type; the table must be range-partitioned on one column. */
    private PartitionKey partitionKey(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT p.partstrat, p.partnatts, a.attname,"
                + " format_type(a.atttypid, a.atttypmod) FROM pg_partitioned_table p"
                + " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
                + " WHERE p.partrelid = to_regclass(?)")) {
            s.setString(1, parent.quoted());
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException(parent + " is not a partitioned table (or does not exist)");
                }
                if (!"r".equals(rs.getString(1)) || rs.getInt(2) != 1) {
                    throw new IllegalStateException(parent + " must be partitioned BY RANGE on one time column");
                }
                return new PartitionKey(rs.getString(3), rs.getString(4));
            }
        }
    }

    private record PartitionKey(String column, String type) {}

    /** Creates a period's partition, moving the rows that waited for it in the default partition into it. */
    private boolean createIfMissing(PartitionKey key, String name, Instant start, Instant end) throws Exception {
        return ddl.inTransaction(database, "creating " + name, c -> {
            if (exists(c, name)) {
                return false;
            }
            String from = "'" + LITERAL.format(start) + "'::" + key.type();
            String to = "'" + LITERAL.format(end) + "'::" + key.type();
            String column = Identifiers.quote(key.column());
            execute(
                    c,
                    "CREATE TEMP TABLE sluice_waiting ON COMMIT DROP AS WITH moved AS (DELETE FROM "
                            + child("default") + " WHERE " + column + " >= " + from + " AND " + column + " < " + to
                            + " RETURNING *) SELECT * FROM moved",
                    "CREATE TABLE " + child(name.substring(parent.name().length() + 1)) + " PARTITION OF "
                            + parent.quoted() + " FOR VALUES FROM (" + from + ") TO (" + to + ")",
                    "INSERT INTO " + parent.quoted() + " SELECT * FROM sluice_waiting");
            return true;
        });
    }

    /** Retires the partitions whose whole range is older than the horizon. */
    private List<String> retire(PartitionKey key, Instant horizon) throws Exception {
        List<String> old = ddl.inTransaction(database, "listing partitions of " + parent, c -> {
            List<String> names = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT c.relname FROM pg_inherits i"
                    + " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(?)"
                    + " AND ((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']*)''\\)'))[1])"
                    + "::timestamptz <= ? ORDER BY c.relname")) {
                s.setString(1, parent.quoted());
                s.setObject(2, horizon.atOffset(ZoneOffset.UTC));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        names.add(rs.getString(1));
                    }
                }
            }
            return names;
        });
        List<String> retired = new ArrayList<>();
        for (String name : old) {
            String outcome = ddl.inTransaction(database, "retiring " + name, c -> retire(c, key, name, horizon));
            retired.add(name + " (" + outcome + ")");
        }
        return retired;
    }

    private String retire(Connection c, PartitionKey key, String name, Instant horizon) throws Exception {
        String table = Identifiers.quote(parent.schema(), name);
        try (PreparedStatement newer = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + table + " WHERE "
                + Identifiers.quote(key.column()) + " >= ?::timestamptz)")) {
            newer.setObject(1, horizon.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = newer.executeQuery()) {
                rs.next();
                if (rs.getBoolean(1)) {
                    return "kept: it holds rows newer than the horizon " + horizon;
                }
            }
        }
        execute(c, "ALTER TABLE " + parent.quoted() + " DETACH PARTITION " + table);
        switch (config.retentionMode()) {
            case DETACH -> {
                return "detached";
            }
            case EXPORT -> {
                String file = export(c, table, name);
                execute(c, "DROP TABLE " + table);
                return "exported to " + file + " and dropped";
            }
            default -> {
                execute(c, "DROP TABLE " + table);
                return "dropped";
            }
        }
    }

    /**
     * Writes the partition as gzipped CSV with a header to the export directory (complete before it replaces an
     * earlier export) or to the S3 bucket (uploaded whole from a local temporary file).
     */
    private String export(Connection c, String table, String name) throws Exception {
        String fileName = parent.schema() + "." + name + ".csv.gz";
        Path directory = config.exportDirectory() != null
                ? Files.createDirectories(config.exportDirectory())
                : Files.createTempDirectory("sluice-export");
        Path partial = directory.resolve(fileName + ".partial");
        try {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(partial), 1 << 16)) {
                c.unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyOut("COPY " + table + " TO STDOUT WITH (FORMAT csv, HEADER)", out);
            }
            if (s3 == null) {
                Path file = directory.resolve(fileName);
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return file.toString();
            }
            String key = config.exportS3().folder() + fileName;
            s3.putObject(put -> put.bucket(config.exportS3().bucket()).key(key), RequestBody.fromFile(partial));
            return "s3://" + config.exportS3().bucket() + "/" + key;
        } finally {
            Files.deleteIfExists(partial);
            if (s3 != null) {
                Files.deleteIfExists(directory);
            }
        }
    }

    private boolean exists(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            s.setString(1, Identifiers.quote(parent.schema(), name));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private String child(String suffix) {
        return Identifiers.quote(parent.schema(), parent.name() + "_" + suffix);
    }

    private static void execute(Connection c, String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
