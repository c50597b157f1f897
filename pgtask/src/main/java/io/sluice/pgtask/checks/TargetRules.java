package io.sluice.pgtask.checks;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import io.sluice.pgtask.PgTaskProperties;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The checks beside row-for-row equality: freshness (how far the target's latest time trails the source's) and rules
 * every target row must meet (no NULL where none belongs, values in range). Each is a row in
 * {@code sluice.check_results} and a gauge.
 */
final class TargetRules {

    /** One finding: what was checked, whether it held, and how. */
    record Finding(String what, String condition, boolean held, String detail) {}

    private final PgTaskProperties.Check config;
    private final AtomicLong lagSeconds = new AtomicLong();
    private final AtomicLong violations = new AtomicLong();

    TargetRules(PgTaskProperties.Check config, MeterRegistry meters) {
        this.config = config;
        if (config.freshnessColumn() != null) {
            SluiceMetric.CHECK_LAG
                    .gauge(lagSeconds, AtomicLong::get)
                    .tag("check", config.name())
                    .strongReference(true)
                    .register(meters);
        }
        if (!config.rules().isEmpty()) {
            SluiceMetric.CHECK_RULE_VIOLATIONS
                    .gauge(violations, AtomicLong::get)
                    .tag("check", config.name())
                    .strongReference(true)
                    .register(meters);
        }
    }

    List<Finding> check(Connection source, TableName sourceTable, Connection target, TableName targetTable)
            throws SQLException {
        List<Finding> findings = new ArrayList<>();
        if (config.freshnessColumn() != null) {
            String column = Identifiers.quote(config.freshnessColumn());
            Timestamp ours = latest(source, "SELECT max(" + column + ") FROM " + sourceTable.quoted());
            Timestamp theirs = latest(target, "SELECT max(" + column + ") FROM " + targetTable.quoted());
            Duration lag = ours == null
                    ? Duration.ZERO
                    : theirs == null
                            ? Duration.ofSeconds(Long.MAX_VALUE / 2)
                            : Duration.between(theirs.toInstant(), ours.toInstant());
            lag = lag.isNegative() ? Duration.ZERO : lag;
            lagSeconds.set(lag.toSeconds());
            findings.add(new Finding(
                    "freshness",
                    config.freshnessColumn() + " within " + config.maxLag(),
                    lag.compareTo(config.maxLag()) <= 0,
                    "target trails source by " + (theirs == null && ours != null ? "all rows" : lag)));
        }
        long broken = 0;
        for (String rule : config.rules()) {
            long count;
            try (PreparedStatement s = target.prepareStatement(
                            "SELECT count(*) FROM " + targetTable.quoted() + " WHERE NOT (" + rule + ")");
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                count = rs.getLong(1);
            }
            broken += count;
            findings.add(new Finding("rule", rule, count == 0, count + " rows break it"));
        }
        violations.set(broken);
        return findings;
    }

    private static Timestamp latest(Connection c, String sql) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }
}
