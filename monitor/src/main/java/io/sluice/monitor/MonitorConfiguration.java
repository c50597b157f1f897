package io.sluice.monitor;

import io.sluice.monitor.prometheus.PrometheusClient;
import io.sluice.monitor.report.HtmlReport;
import io.sluice.monitor.report.ReportBuilder;
import io.sluice.monitor.report.ReportDefinitions;
import io.sluice.monitor.report.Reports;
import io.sluice.monitor.store.DirectoryReportStore;
import io.sluice.monitor.store.ReportStore;
import io.sluice.monitor.store.S3ReportStore;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.CronTrigger;

/** Wires the monitor: Prometheus, the report definitions, where reports are kept, and the schedule. */
@Configuration(proxyBeanMethods = false)
class MonitorConfiguration {

    private static final Logger log = LoggerFactory.getLogger(MonitorConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    Reports reports(MonitorProperties properties, Clock clock) throws IOException {
        ReportStore store = properties.s3() != null
                ? new S3ReportStore(properties.s3())
                : new DirectoryReportStore(properties.directory());
        return new Reports(
                new ReportDefinitions(properties.definitions()),
                new ReportBuilder(
                        new PrometheusClient(properties.prometheusUrl(), properties.timeout(), properties.retryFor()),
                        properties.scrapeInterval()),
                new HtmlReport(),
                store,
                clock);
    }

    @Bean
    ReportSchedule reportSchedule(MonitorProperties properties, Reports reports) {
        for (String name : properties.scheduled()) {
            if (!reports.definitions().all().containsKey(name)) {
                throw new IllegalArgumentException(
                        "sluice.monitor.scheduled names report '" + name + "', which is not defined; reports: "
                                + reports.definitions().all().keySet());
            }
        }
        if (!properties.schedule().isBlank()) {
            new CronTrigger(properties.schedule()); // a bad expression fails start-up, naming it
        }
        return new ReportSchedule(properties, reports);
    }

    /** Makes the scheduled reports on the cron schedule. */
    static final class ReportSchedule implements SmartLifecycle {

        private final MonitorProperties properties;
        private final Reports reports;
        private final ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        private final List<ScheduledFuture<?>> schedules = new ArrayList<>();
        private final SlotTrigger slots;
        private volatile boolean running;

        ReportSchedule(MonitorProperties properties, Reports reports) {
            this.properties = properties;
            this.reports = reports;
            this.slots = properties.schedule().isBlank() ? null : new SlotTrigger(properties.schedule());
            scheduler.setThreadNamePrefix("monitor-reports-");
        }

        @Override
        public void start() {
            if (!properties.schedule().isBlank()) {
                scheduler.initialize();
                schedules.add(scheduler.schedule(this::makeAll, slots));
            }
            running = true;
        }

        private void makeAll() {
            java.time.Instant slot = slots.current();
            for (String name : properties.scheduled()) {
                try {
                    reports.makeScheduled(name, slot);
                } catch (Exception e) {
                    log.warn("scheduled report {} failed: {}", name, e.toString());
                }
            }
        }

        @Override
        public void stop() {
            schedules.forEach(s -> s.cancel(false));
            scheduler.shutdown();
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }
    }
}
