package io.sluice.pgtask;

import com.zaxxer.hikari.HikariDataSource;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/** The databases jobs name: {@code target} (the service's own) and the configured others, each with a small pool. */
public final class Databases implements AutoCloseable {

    private final Map<String, DataSource> byName = new LinkedHashMap<>();

    Databases(DataSource target, Map<String, PgTaskProperties.Database> others) {
        byName.put("target", target);
        others.forEach((name, database) -> {
            HikariDataSource pool = new HikariDataSource();
            pool.setPoolName("pgtask-" + name);
            pool.setJdbcUrl(database.url());
            pool.setUsername(database.username());
            pool.setPassword(database.password());
            pool.setMaximumPoolSize(2);
            pool.setMinimumIdle(0);
            byName.put(name, pool);
        });
    }

    /** The database of that name; an unknown name fails start-up, naming the known ones. */
    public DataSource get(String name, String job) {
        DataSource database = byName.get(name);
        if (database == null) {
            throw new IllegalArgumentException("pgtask job '" + job + "' names database '" + name
                    + "', which is not configured; databases: " + byName.keySet()
                    + " (add sluice.pgtask.databases." + name + ".url)");
        }
        return database;
    }

    @Override
    public void close() {
        byName.values().stream()
                .filter(HikariDataSource.class::isInstance)
                .forEach(pool -> ((HikariDataSource) pool).close());
    }
}
