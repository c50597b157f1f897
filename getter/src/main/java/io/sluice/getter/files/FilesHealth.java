package io.sluice.getter.files;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * Health of file ingestion, per source: where it polls and its last error. A source that keeps failing (its store or
 * the broker unreachable) turns the status to {@code WARNING}: an alert, not a restart.
 */
final class FilesHealth implements HealthIndicator {

    private static final Status WARNING = new Status("WARNING");

    private final FilesConfiguration.FileIngestions ingestions;

    FilesHealth(FilesConfiguration.FileIngestions ingestions) {
        this.ingestions = ingestions;
    }

    @Override
    public Health health() {
        boolean failing = false;
        Health.Builder health = Health.up();
        for (FileIngestion ingestion : ingestions.ingestions()) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("store", ingestion.store());
            if (ingestion.lastError() != null) {
                details.put("lastError", ingestion.lastError());
                failing = true;
            }
            health.withDetail(ingestion.name(), details);
        }
        return failing ? health.status(WARNING).build() : health.build();
    }
}
