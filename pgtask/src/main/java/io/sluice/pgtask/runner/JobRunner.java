package io.sluice.pgtask.runner;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sluice.common.metrics.SluiceMetric;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.support.CronTrigger;

/**
 * Runs the jobs on their cron schedules and on demand. Each run holds the job's ShedLock lock, so that with any number
 * of replicas one runs it; each run is recorded in {@code sluice.task_runs} and counted in metrics. A run deferred by a
 * busy table is retried after a delay, before its next scheduled time.
 */
public final class JobRunner implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    /** How a run ended; {@code skipped} when another replica held the job's lock. */
    public record Outcome(String outcome, String detail) {
        static final Outcome SKIPPED = new Outcome(
                "skipped", "the job's lock is held: it is running elsewhere, or ran less than lock-at-least-for ago");
    }

    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final LockProvider locks;
    private final TaskRuns runs;
    private final Clock clock;
    private final TaskScheduler scheduler;
    private final RunnerSettings settings;
    private final MeterRegistry meters;
    private final String runner;
    private final Map<String, Double> lastSuccess = new ConcurrentHashMap<>();
    private final List<ScheduledFuture<?>> schedules = new java.util.ArrayList<>();
    private volatile boolean running;

    /** How runs lock and retry. */
    public record RunnerSettings(Duration lockAtMostFor, Duration lockAtLeastFor, Duration retryDelay) {}

    public JobRunner(
            List<Job> jobs,
            LockProvider locks,
            TaskRuns runs,
            Clock clock,
            TaskScheduler scheduler,
            RunnerSettings settings,
            MeterRegistry meters,
            String runner) {
        this.meters = meters;
        for (Job job : jobs) {
            if (this.jobs.put(job.name(), job) != null) {
                throw new IllegalStateException("two pgtask jobs are named '" + job.name() + "'");
            }
            if (job.cron() != null) {
                new CronTrigger(job.cron()); // a bad expression fails start-up, naming it
            }
            // Tagged "task", not "job": Prometheus keeps "job" for the scrape job and renames a metric's own to
            // "exported_job", which an alert would then not find.
            SluiceMetric.PGTASK_LAST_SUCCESS
                    .gauge(lastSuccess, m -> m.getOrDefault(job.name(), 0.0))
                    .tag("task", job.name())
                    .register(meters);
            // Every outcome counted from zero: increase() over a counter that appears with its first failure misses it.
            for (String outcome : List.of("succeeded", "failed", "deferred")) {
                runs(job, outcome);
            }
        }
        this.locks = locks;
        this.runs = runs;
        this.clock = clock;
        this.scheduler = scheduler;
        this.settings = settings;
        this.runner = runner;
    }

    /** The configured jobs by name. */
    public Map<String, Job> jobs() {
        return jobs;
    }

    /** Runs a job now (on demand); empty if there is no such job. */
    public Optional<Outcome> runNow(String name) {
        Job job = jobs.get(name);
        return job == null ? Optional.empty() : Optional.of(run(job, "demand"));
    }

    @Override
    public void start() {
        for (Job job : jobs.values()) {
            if (job.cron() != null) {
                schedules.add(scheduler.schedule(() -> run(job, "schedule"), new CronTrigger(job.cron())));
            }
        }
        running = true;
        log.info("pgtask runs {} jobs as {}: {}", jobs.size(), runner, jobs.keySet());
    }

    @Override
    public void stop() {
        schedules.forEach(schedule -> schedule.cancel(false));
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private Outcome run(Job job, String trigger) {
        Instant now = clock.instant();
        Optional<SimpleLock> lock =
                locks.lock(new LockConfiguration(now, job.name(), settings.lockAtMostFor(), settings.lockAtLeastFor()));
        if (lock.isEmpty()) {
            return Outcome.SKIPPED;
        }
        Timer.Sample sample = Timer.start(meters);
        Outcome outcome;
        try {
            long id = runs.start(job, trigger, runner);
            outcome = execute(job, now);
            runs.finish(id, outcome.outcome(), outcome.detail());
        } catch (RuntimeException e) {
            outcome = new Outcome("failed", "could not record the run: " + e.getMessage());
            log.warn("job {}: {}", job.name(), outcome.detail());
        } finally {
            lock.get().unlock();
        }
        sample.stop(SluiceMetric.PGTASK_RUN
                .timer()
                .tags("task", job.name(), "kind", job.kind())
                .register(meters));
        runs(job, outcome.outcome()).increment();
        if (outcome.outcome().equals("succeeded")) {
            lastSuccess.put(job.name(), clock.millis() / 1000.0);
        } else if (outcome.outcome().equals("deferred") && running) {
            scheduler.schedule(() -> run(job, "retry"), clock.instant().plus(settings.retryDelay()));
        }
        return outcome;
    }

    private Outcome execute(Job job, Instant now) {
        try {
            String detail = job.run(now);
            log.info("job {}: {}", job.name(), detail);
            return new Outcome("succeeded", detail);
        } catch (DeferredException e) {
            log.info("job {} deferred: {}", job.name(), e.getMessage());
            return new Outcome("deferred", e.getMessage());
        } catch (Exception e) {
            log.warn("job {} failed", job.name(), e);
            return new Outcome("failed", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private Counter runs(Job job, String outcome) {
        return SluiceMetric.PGTASK_RUNS
                .counter()
                .tags("task", job.name(), "kind", job.kind(), "outcome", outcome)
                .register(meters);
    }
}
