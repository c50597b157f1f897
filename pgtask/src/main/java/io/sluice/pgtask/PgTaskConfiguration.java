package io.sluice.pgtask;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.ProcessName;
import io.sluice.pgtask.checks.DataCheck;
import io.sluice.pgtask.maintenance.Rollup;
import io.sluice.pgtask.maintenance.TableSwap;
import io.sluice.pgtask.maintenance.TombstonePurge;
import io.sluice.pgtask.partitions.PartitionRotation;
import io.sluice.pgtask.runner.Ddl;
import io.sluice.pgtask.runner.Job;
import io.sluice.pgtask.runner.JobRunner;
import io.sluice.pgtask.runner.TaskRuns;
import io.sluice.pgtask.stats.SlowQueries;
import io.sluice.pgtask.stats.SlowQueryMetrics;
import io.sluice.pgtask.stats.SlowQueryStats;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/** Wires pgtask: its databases, the jobs made from configuration, their locks, records and runner. */
@Configuration(proxyBeanMethods = false)
class PgTaskConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "close")
    Databases databases(DataSource dataSource, PgTaskProperties properties) {
        return new Databases(dataSource, properties.databases());
    }

    @Bean
    Ddl ddl(PgTaskProperties properties) {
        return new Ddl(properties.runner().lockTimeout(), properties.runner().statementTimeout());
    }

    @Bean
    TaskRuns taskRuns(DataSource dataSource) {
        return new TaskRuns(dataSource);
    }

    /** ShedLock on {@code sluice.shedlock}, timed by the database's clock so replicas' clocks need not agree. */
    @Bean
    LockProvider lockProvider(DataSource dataSource) {
        return new JdbcTemplateLockProvider(JdbcTemplateLockProvider.Configuration.builder()
                .withJdbcTemplate(new JdbcTemplate(dataSource))
                .withTableName("sluice.shedlock")
                .usingDbTime()
                .build());
    }

    @Bean(destroyMethod = "shutdown")
    ThreadPoolTaskScheduler pgtaskScheduler() {
        ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        scheduler.setPoolSize(2);
        scheduler.setThreadNamePrefix("pgtask-");
        scheduler.initialize();
        return scheduler;
    }

    @Bean
    SlowQueries slowQueries(DataSource dataSource) {
        return new SlowQueries(dataSource);
    }

    @Bean
    List<Job> pgtaskJobs(
            PgTaskProperties properties,
            Databases databases,
            Ddl ddl,
            DataSource dataSource,
            SlowQueries slowQueries,
            MeterRegistry meters) {
        List<Job> jobs = new ArrayList<>();
        for (PgTaskProperties.Partitions partitions : properties.partitions()) {
            jobs.add(new PartitionRotation(partitions, databases.get(partitions.database(), partitions.name()), ddl));
        }
        for (PgTaskProperties.Check check : properties.checks()) {
            List<DataSource> targets = check.shards().isEmpty()
                    ? List.of(databases.get(check.target(), check.name()))
                    : check.shards().stream()
                            .map(shard -> databases.get(shard, check.name()))
                            .toList();
            jobs.add(new DataCheck(check, databases.get(check.source(), check.name()), targets, dataSource, meters));
        }
        for (PgTaskProperties.Swap swap : properties.swaps()) {
            jobs.add(new TableSwap(swap, databases.get(swap.database(), swap.name()), ddl));
        }
        for (PgTaskProperties.Rollup rollup : properties.rollups()) {
            jobs.add(new Rollup(rollup, databases.get(rollup.database(), rollup.name()), dataSource, ddl));
        }
        PgTaskProperties.TombstonePurge purge = properties.tombstonePurge();
        if (!purge.cron().isBlank()) {
            jobs.add(new TombstonePurge(purge.cron(), purge.horizon(), dataSource));
        }
        PgTaskProperties.SlowQueries slow = properties.slowQueries();
        if (!slow.databases().isEmpty() && !slow.cron().isBlank()) {
            Map<String, DataSource> watched = new LinkedHashMap<>();
            slow.databases().forEach(name -> watched.put(name, databases.get(name, "slow-queries")));
            jobs.add(new SlowQueryStats(
                    slow.cron(),
                    watched,
                    dataSource,
                    slow.keep(),
                    new SlowQueryMetrics(slowQueries, slow.top(), meters)));
        }
        return jobs;
    }

    @Bean
    JobRunner jobRunner(
            List<Job> pgtaskJobs,
            LockProvider lockProvider,
            TaskRuns taskRuns,
            Clock clock,
            ThreadPoolTaskScheduler pgtaskScheduler,
            PgTaskProperties properties,
            MeterRegistry meters) {
        PgTaskProperties.Runner runner = properties.runner();
        return new JobRunner(
                pgtaskJobs,
                lockProvider,
                taskRuns,
                clock,
                pgtaskScheduler,
                new JobRunner.RunnerSettings(runner.lockAtMostFor(), runner.lockAtLeastFor(), runner.retryDelay()),
                meters,
                ProcessName.current());
    }
}
