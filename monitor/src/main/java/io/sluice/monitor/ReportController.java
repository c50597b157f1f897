package io.sluice.monitor;

import io.sluice.monitor.report.ReportData;
import io.sluice.monitor.report.Reports;
import io.sluice.monitor.store.ReportStore;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /reports}: the index; {@code GET /reports/{id}} (or {@code /reports/{id}/report.csv|json}): a report;
 * {@code POST /reports?name=default}: makes one now.
 */
@RestController
class ReportController {

    private final Reports reports;

    ReportController(Reports reports) {
        this.reports = reports;
    }

    @GetMapping(value = "/reports", produces = MediaType.TEXT_HTML_VALUE)
    String index() throws IOException {
        return ReportStore.index(reports.store().ids()).replace("href=\"", "href=\"/reports/");
    }

    @GetMapping("/reports/{id}")
    ResponseEntity<byte[]> report(@PathVariable String id) throws IOException {
        return file(id, "report.html");
    }

    @GetMapping("/reports/{id}/{file}")
    ResponseEntity<byte[]> file(@PathVariable String id, @PathVariable String file) throws IOException {
        if (!java.util.List.of(ReportStore.FILES).contains(file)) {
            return ResponseEntity.notFound().build();
        }
        MediaType type = file.endsWith(".html")
                ? new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8)
                : file.endsWith(".csv")
                        ? new MediaType("text", "csv", StandardCharsets.UTF_8)
                        : MediaType.APPLICATION_JSON;
        return reports.store()
                .read(id, file)
                .map(body -> ResponseEntity.ok().contentType(type).body(body))
                .orElseGet(() -> ResponseEntity.notFound().build());
    }

    @PostMapping("/reports")
    ResponseEntity<Map<String, Object>> make(@RequestParam(defaultValue = "default") String name) throws IOException {
        try {
            ReportData report = reports.make(name);
            return ResponseEntity.created(URI.create("/reports/" + report.id()))
                    .body(Map.of("id", report.id(), "alerts", report.alerts().size()));
        } catch (IllegalArgumentException e) {
            return ResponseEntity.badRequest().body(Map.of("error", e.getMessage()));
        }
    }
}
