package io.sluice.monitor;

import io.sluice.common.s3.S3Settings;
import jakarta.validation.Valid;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The monitor, under {@code sluice.monitor}.
 *
 * @param prometheusUrl Prometheus's base URL
 * @param timeout how long one query may take
 * @param retryFor how long an unreachable Prometheus is retried before a panel says it failed
 * @param directory where reports are kept (unless {@code s3} is set)
 * @param s3 an S3-compatible bucket and prefix to keep reports in instead
 * @param definitions a directory of further report definitions ({@code <name>.yml}) beside the shipped
 *     {@code default}
 * @param schedule when the scheduled reports are made (cron, seconds first); empty turns the schedule off
 * @param scheduled the reports made on the schedule
 * @param scrapeInterval how often Prometheus scrapes the services: the rate window of a report's queries
 *     ({@code $__rate_interval}) is at least four of these
 */
@Validated
@ConfigurationProperties("sluice.monitor")
public record MonitorProperties(
        @DefaultValue("http://127.0.0.1:9090") URI prometheusUrl,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("30s") Duration retryFor,
        @DefaultValue("${java.io.tmpdir}/sluice-reports") Path directory,
        @Valid S3Settings s3,
        Path definitions,
        @DefaultValue("0 0 6 * * *") String schedule,
        @DefaultValue("default") List<String> scheduled,
        @DefaultValue("15s") Duration scrapeInterval) {}
