package io.sluice.handler.pipeline;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The database lookups read ({@code sluice.handler.reference.url}, {@code .username}, {@code .password}): a small
 * pool, opened only when a pipeline looks something up.
 *
 * @param url JDBC URL of the reference database that {@code lookup} and {@code geo} steps read
 * @param username its role (read only is enough)
 * @param password its password (from a Secret)
 */
@ConfigurationProperties("sluice.handler.reference")
public record ReferenceDatabase(String url, String username, String password) {

    /** A pool to the reference database, or null when none is configured. */
    HikariDataSource open() {
        if (url == null || url.isBlank()) {
            return null;
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(username);
        config.setPassword(password);
        config.setMaximumPoolSize(4);
        config.setPoolName("sluice-handler-reference");
        config.setReadOnly(true);
        return new HikariDataSource(config);
    }
}
