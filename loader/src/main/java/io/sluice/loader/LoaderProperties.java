package io.sluice.loader;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The loader, under {@code sluice.loader}.
 *
 * @param target the warehouse this loader writes (one of {@code sluice.amqp.targets}); its queue is read
 * @param maxMessages messages merged in one target transaction and acknowledged together after its commit
 * @param maxWait how long a consumer waits to fill a transaction before it writes what it has
 * @param consumers concurrent consumers (each with its own transaction) in one replica
 * @param retryTimeout how long a transient database failure (restart, lost connection, deadlock) is retried in place
 */
@Validated
@ConfigurationProperties("sluice.loader")
public record LoaderProperties(
        @DefaultValue("warehouse") String target,
        @DefaultValue("100") @Min(1) int maxMessages,
        @DefaultValue("200ms") Duration maxWait,
        @DefaultValue("1") @Min(1) int consumers,
        @DefaultValue("2m") Duration retryTimeout) {}
