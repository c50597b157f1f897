package io.sluice.getter.cdc;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of change capture, per source: what it is doing, its slot's lag, its last error. A source that has been
 * failing for a while, or whose slot holds a lot of WAL, turns the status to {@code WARNING} — worth an alert, not a
 * restart, so it does not fail the liveness or readiness probes.
 */
final class CaptureHealth implements HealthIndicator {

    static final Status WARNING = new Status("WARNING");
    private static final Duration FAILING_TOO_LONG = Duration.ofMinutes(2);
    private static final long TOO_MUCH_LAG = 1L << 30;

    private final CdcConfiguration.ChangeCapture capture;

    CaptureHealth(CdcConfiguration.ChangeCapture capture) {
        this.capture = capture;
    }

    @Override
    public Health health() {
        boolean warn = false;
        Health.Builder health = Health.up();
        for (ReplicationRunner runner : capture.runners()) {
            CaptureStatus status = runner.status();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("phase", status.phase().name().toLowerCase(java.util.Locale.ROOT));
            details.put("since", status.since().toString());
            details.put("slot", runner.source().slot());
            details.put("slotLagBytes", runner.slotLagBytes());
            if (status.lastError() != null) {
                details.put("lastError", status.lastError());
            }
            if (!runner.skipped().isEmpty()) {
                Map<String, String> skipped = new LinkedHashMap<>();
                runner.skipped().forEach((table, why) -> skipped.put(table.toString(), why));
                details.put("skippedTables", skipped);
            }
            health.withDetail(runner.source().name(), details);
            boolean failingLong = status.phase() == CaptureStatus.Phase.FAILING
                    && Duration.between(status.since(), Instant.now()).compareTo(FAILING_TOO_LONG) > 0;
            warn |= failingLong || runner.slotLagBytes() > TOO_MUCH_LAG;
        }
        return warn ? health.status(WARNING).build() : health.build();
    }
}
