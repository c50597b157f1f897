package io.sluice.pgtask.runner;

import java.time.Instant;

/** A scheduled database job: what it is called, when it runs, and one run of it. */
public interface Job {

    /** The job's name, unique in the service: its lock, its rows in {@code sluice.task_runs}, its metrics' tag. */
    String name();

    /** What kind of job it is ({@code partitions}, {@code check}…). */
    String kind();

    /** A Spring cron expression (seconds first), or null for a job that runs on demand only. */
    String cron();

    /**
     * Runs the job once as of {@code now} (the service's clock, which tests move).
     *
     * @return a one-line account of what it did, recorded with the run
     * @throws DeferredException when a lock it needs is held by the application: the run is retried later
     */
    String run(Instant now) throws Exception;
}
