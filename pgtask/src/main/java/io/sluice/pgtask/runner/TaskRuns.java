package io.sluice.pgtask.runner;

import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/** The record of job runs in {@code sluice.task_runs}: one row per run, from start to outcome. */
public final class TaskRuns {

    private final JdbcTemplate jdbc;

    public TaskRuns(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    long start(Job job, String trigger, String runner) {
        return jdbc.queryForObject(
                "INSERT INTO sluice.task_runs (job, kind, trigger, runner) VALUES (?, ?, ?, ?) RETURNING id",
                Long.class,
                job.name(),
                job.kind(),
                trigger,
                runner);
    }

    void finish(long id, String outcome, String detail) {
        jdbc.update(
                "UPDATE sluice.task_runs SET finished_at = clock_timestamp(), outcome = ?, detail = ? WHERE id = ?",
                outcome,
                detail,
                id);
    }

    /** The latest runs of a job, newest first. */
    public List<Map<String, Object>> latest(String job, int limit) {
        return jdbc.queryForList(
                "SELECT id, trigger, runner, started_at, finished_at, outcome, detail FROM sluice.task_runs"
                        + " WHERE job = ? ORDER BY id DESC LIMIT ?",
                job,
                limit);
    }
}
