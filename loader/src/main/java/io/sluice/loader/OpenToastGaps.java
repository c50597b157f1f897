package io.sluice.loader;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.metrics.SluiceMetric;
import javax.sql.DataSource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Target values the source never sent and no version in the target holds yet (unchanged TOAST values of a row the
 * target first saw in an update): counted in {@code sluice_toast_gaps_open} and shown in health, so that a gap is
 * never left NULL silently. A gap closes when an older change carrying the value arrives.
 */
final class OpenToastGaps implements HealthIndicator {

    private final JdbcTemplate jdbc;

    OpenToastGaps(DataSource dataSource, MeterRegistry meters) {
        this.jdbc = new JdbcTemplate(dataSource);
        SluiceMetric.TOAST_GAPS_OPEN.gauge(this, OpenToastGaps::count).register(meters);
    }

    double count() {
        try {
            Long open =
                    jdbc.queryForObject("SELECT count(*) FROM sluice.toast_gaps WHERE filled_lsn IS NULL", Long.class);
            return open == null ? 0 : open;
        } catch (RuntimeException e) {
            return Double.NaN; // the target is unreachable: its own health says so
        }
    }

    @Override
    public Health health() {
        double open = count();
        Health.Builder health = Health.up().withDetail("open", Double.isNaN(open) ? "unknown" : (long) open);
        if (open > 0) {
            health.withDetail(
                    "tables",
                    jdbc.queryForList(
                            "SELECT target_table || ': ' || count(*) FROM sluice.toast_gaps WHERE filled_lsn IS NULL"
                                    + " GROUP BY target_table ORDER BY 1 LIMIT 20",
                            String.class));
        }
        return health.build();
    }
}
