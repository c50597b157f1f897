package io.sluice.pgtask.stats;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /slow-queries?database=source&since=1h&by=total_time&limit=20}: the top statements of a period, by
 * {@code total_time}, {@code mean_time}, {@code calls}, {@code rows} or {@code io}.
 */
@RestController
class SlowQueryController {

    private final ObjectProvider<SlowQueries> queries;
    private final Clock clock;

    SlowQueryController(ObjectProvider<SlowQueries> queries, Clock clock) {
        this.queries = queries;
        this.clock = clock;
    }

    @GetMapping("/slow-queries")
    ResponseEntity<?> top(
            @RequestParam String database,
            @RequestParam(defaultValue = "1h") String since,
            @RequestParam(defaultValue = "total_time") String by,
            @RequestParam(defaultValue = "20") int limit) {
        SlowQueries history = queries.getIfAvailable();
        if (history == null) {
            return ResponseEntity.status(404).body(java.util.Map.of("error", "slow-query statistics are off"));
        }
        if (!SlowQueries.orders().contains(by)) {
            return ResponseEntity.badRequest()
                    .body(java.util.Map.of("error", "unknown order '" + by + "'; orders: " + SlowQueries.orders()));
        }
        Duration period;
        try {
            period = DurationStyle.detectAndParse(since);
        } catch (IllegalArgumentException e) {
            return ResponseEntity.badRequest()
                    .body(java.util.Map.of("error", "since: '" + since + "' is not a duration like 1h or 30m"));
        }
        List<SlowQueries.Statement> top = history.top(database, clock.instant().minus(period), by, limit);
        return ResponseEntity.ok(top);
    }
}
