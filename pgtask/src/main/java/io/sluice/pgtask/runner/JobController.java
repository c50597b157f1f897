package io.sluice.pgtask.runner;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /jobs}: the jobs and their last runs; {@code POST /jobs/{name}/run}: runs one now and says how it went. */
@RestController
class JobController {

    private final JobRunner runner;
    private final TaskRuns runs;

    JobController(JobRunner runner, TaskRuns runs) {
        this.runner = runner;
        this.runs = runs;
    }

    @GetMapping("/jobs")
    List<Map<String, Object>> jobs() {
        return runner.jobs().values().stream()
                .map(job -> {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("name", job.name());
                    entry.put("kind", job.kind());
                    entry.put("cron", job.cron());
                    entry.put("lastRuns", runs.latest(job.name(), 5));
                    return entry;
                })
                .toList();
    }

    @PostMapping("/jobs/{name}/run")
    ResponseEntity<Map<String, String>> run(@PathVariable String name) {
        return runner.runNow(name)
                .map(outcome -> ResponseEntity.status(
                                outcome == JobRunner.Outcome.SKIPPED ? HttpStatus.CONFLICT : HttpStatus.OK)
                        .body(Map.of("job", name, "outcome", outcome.outcome(), "detail", outcome.detail())))
                .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND)
                        .body(Map.of(
                                "error",
                                "no job named '" + name + "'; jobs: "
                                        + runner.jobs().keySet())));
    }
}
