package io.sluice.common.diagnostics;

import java.net.ConnectException;
import java.sql.SQLException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * A start-up that fails on the database says so in a few lines: which server and role it tried, what PostgreSQL
 * answered (its SQLSTATE in words) and what to change, instead of the stack traces of Hikari, Flyway and Spring around
 * that one line. The password is never shown.
 */
public final class DatabaseFailureAnalyzer extends AbstractFailureAnalyzer<SQLException> {

    private final Environment environment;

    public DatabaseFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SQLException cause) {
        String state = cause.getSQLState() == null ? "" : cause.getSQLState();
        String url = withoutSecrets(environment.getProperty("spring.datasource.url", "(spring.datasource.url unset)"));
        String user = environment.getProperty("spring.datasource.username", "(the URL's or the OS user)");
        String description = "PostgreSQL refused: " + firstLine(cause)
                + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")") + ". spring.datasource.url is " + url
                + ", user " + user + ".";
        return new FailureAnalysis(description, action(state, cause), cause);
    }

    private static String action(String state, SQLException cause) {
        if (state.equals("28P01") || state.equals("28000")) {
            return "Check the role and password: spring.datasource.username and .password (SPRING_DATASOURCE_USERNAME"
                    + " and SPRING_DATASOURCE_PASSWORD, or the Secret that sets them), and that pg_hba.conf lets this"
                    + " role in from this host.";
        }
        if (state.equals("3D000")) {
            return "Create the database, or name an existing one in spring.datasource.url.";
        }
        if (state.equals("42501")) {
            return "Grant the role what it needs (README, Security: least privilege per service).";
        }
        if (state.startsWith("08") || hasCause(cause, ConnectException.class)) {
            return "Check the host and port in spring.datasource.url, and that PostgreSQL listens there"
                    + " (listen_addresses, firewall, TLS settings).";
        }
        return "Fix what PostgreSQL reports above; the full trace is logged at DEBUG"
                + " (logging.level.org.springframework.boot.diagnostics=DEBUG).";
    }

    /** The URL without a password in its query, should someone have put one there. */
    static String withoutSecrets(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
