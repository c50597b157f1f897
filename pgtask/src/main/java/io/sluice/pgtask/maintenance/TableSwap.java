package io.sluice.pgtask.maintenance;

import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import io.sluice.pgtask.PgTaskProperties;
import io.sluice.pgtask.runner.Ddl;
import io.sluice.pgtask.runner.Job;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The merge database's table swap (seed 001): the application inserts into a table; the job swaps it with its empty
 * shadow by three renames in one short transaction under {@code lock_timeout}, so inserts go on into the fresh table
 * at once; then, off the hot path, it upserts the latest row per key of the swapped-out rows into {@code shipTo} and
 * empties them. A crash between the two steps loses nothing: the next run ships what the shadow still holds first.
 */
public final class TableSwap implements Job {

    private final PgTaskProperties.Swap config;
    private final DataSource database;
    private final Ddl ddl;
    private final TableName table;
    private final TableName shadow;
    private final TableName shipTo;

    public TableSwap(PgTaskProperties.Swap config, DataSource database, Ddl ddl) {
        this.config = config;
        this.database = database;
        this.ddl = ddl;
        this.table = TableName.parse(config.table());
        this.shadow = config.shadow() != null
                ? TableName.parse(config.shadow())
                : new TableName(table.schema(), table.name() + "_shadow");
        this.shipTo = TableName.parse(config.shipTo());
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public String kind() {
        return "swap";
    }

    @Override
    public String cron() {
        return config.cron();
    }

    @Override
    public String run(Instant now) throws Exception {
        long leftOver = ship(); // rows a crash left in the shadow go first
        ddl.inTransaction(database, "swapping " + table, c -> {
            execute(
                    c,
                    "CREATE TABLE IF NOT EXISTS " + shadow.quoted() + " (LIKE " + table.quoted() + " INCLUDING ALL)");
            String parked = table.name() + "_swapping";
            execute(
                    c,
                    "ALTER TABLE " + table.quoted() + " RENAME TO " + Identifiers.quote(parked),
                    "ALTER TABLE " + shadow.quoted() + " RENAME TO " + Identifiers.quote(table.name()),
                    "ALTER TABLE " + Identifiers.quote(table.schema()) + "." + Identifiers.quote(parked) + " RENAME TO "
                            + Identifiers.quote(shadow.name()));
            return null;
        });
        long shipped = ship();
        return "swapped " + table + " with " + shadow + ", shipped " + (leftOver + shipped) + " latest rows to "
                + shipTo;
    }

    /** Upserts the latest row per key of the shadow into {@code shipTo} and empties the shadow, in one transaction. */
    private long ship() throws Exception {
        return ddl.inTransaction(database, "shipping " + shadow, c -> {
            if (!exists(c)) {
                return 0L;
            }
            String key = config.key().stream().map(Identifiers::quote).collect(Collectors.joining(", "));
            List<String> columns = columns(c);
            String updates = columns.stream()
                    .filter(column -> !config.key().contains(column))
                    .map(column -> Identifiers.quote(column) + " = EXCLUDED." + Identifiers.quote(column))
                    .collect(Collectors.joining(", "));
            String list = columns.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
            long shipped;
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE " + shadow.quoted() + " IN EXCLUSIVE MODE");
                shipped =
                        s.executeUpdate("INSERT INTO " + shipTo.quoted() + " (" + list + ") SELECT DISTINCT ON (" + key
                                + ") " + list + " FROM " + shadow.quoted() + " ORDER BY " + key + ", "
                                + Identifiers.quote(config.orderBy()) + " DESC ON CONFLICT (" + key + ") DO "
                                + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates));
                s.execute("TRUNCATE " + shadow.quoted());
            }
            return shipped;
        });
    }

    private boolean exists(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT to_regclass(" + Identifiers.literal(shadow.quoted()) + ") IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private List<String> columns(Connection c) throws SQLException {
        List<String> columns = new java.util.ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT attname FROM pg_attribute WHERE attrelid = "
                        + Identifiers.literal(shadow.quoted()) + "::regclass AND attnum > 0 AND NOT attisdropped"
                        + " ORDER BY attnum")) {
            while (rs.next()) {
                columns.add(rs.getString(1));
            }
        }
        return columns;
    }

    private static void execute(Connection c, String... statements) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
