package io.sluice.testkit;

import io.sluice.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The PostgreSQL server tests use, one per JVM: the server at {@code SLUICE_TEST_PG_URL} when that is set (it needs
 * {@code wal_level=logical}), else an {@link EmbeddedPostgres}. Tests take fresh databases from it so that they never see
 * each other's tables, slots or publications.
 */
public final class TestPostgres {

    /** Environment variable naming an existing server: a JDBC URL with a superuser, e.g. {@code ...?user=postgres}. */
    public static final String URL_VARIABLE = "SLUICE_TEST_PG_URL";

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static volatile TestPostgres instance;

    private final EmbeddedPostgres embedded;
    private final String adminUrl;
    private final String runId = Long.toString(ProcessHandle.current().pid(), 36);

    private TestPostgres(EmbeddedPostgres embedded, String adminUrl) {
        this.embedded = embedded;
        this.adminUrl = adminUrl;
    }

    /** The shared server, started on first use. */
    public static TestPostgres get() {
        if (instance == null) {
            synchronized (TestPostgres.class) {
                if (instance == null) {
                    String url = System.getenv(URL_VARIABLE);
                    if (url != null && !url.isBlank()) {
                        instance = new TestPostgres(null, url);
                    } else {
                        EmbeddedPostgres pg = EmbeddedPostgres.start();
                        instance = new TestPostgres(pg, pg.jdbcUrl("postgres"));
                    }
                }
            }
        }
        return instance;
    }

    /** Creates an empty database whose name starts with {@code hint} and is unique for this run. */
    public TestDatabase newDatabase(String hint) {
        String name = (hint + "_" + runId + "_" + SEQUENCE.incrementAndGet()).toLowerCase(Locale.ROOT);
        if (!name.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("database hint must be letters, digits and '_': " + hint);
        }
        try (Connection c = DriverManager.getConnection(adminUrl);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + " at " + adminUrl, e);
        }
        return new TestDatabase(name, urlFor(name));
    }

    /** The embedded server, or {@code null} when tests run against {@code SLUICE_TEST_PG_URL}. */
    public EmbeddedPostgres embedded() {
        return embedded;
    }

    private String urlFor(String database) {
        // Replace the database part of jdbc:postgresql://host:port/db?params.
        int slash = adminUrl.indexOf('/', "jdbc:postgresql://".length());
        int query = adminUrl.indexOf('?', slash);
        String params = query < 0 ? "" : adminUrl.substring(query);
        return adminUrl.substring(0, slash + 1) + database + params;
    }
}
