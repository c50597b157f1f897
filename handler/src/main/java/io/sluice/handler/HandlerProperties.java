package io.sluice.handler;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The handler, under {@code sluice.handler}.
 *
 * @param targets warehouses every batch is routed to; empty means all of {@code sluice.amqp.targets}
 * @param consumers concurrent consumers of the handler queue in one replica
 * @param prefetch unacknowledged messages each consumer may hold
 * @param retryTimeout how long an output the broker does not confirm is retried before the input is given back
 * @param pipelines a YAML file of per-table pipelines (see {@code PipelineFiles}); none means batches pass unchanged
 */
@Validated
@ConfigurationProperties("sluice.handler")
public record HandlerProperties(
        @DefaultValue List<String> targets,
        @DefaultValue("2") @Min(1) int consumers,
        @DefaultValue("20") @Min(1) int prefetch,
        @DefaultValue("1m") Duration retryTimeout,
        String pipelines) {}
