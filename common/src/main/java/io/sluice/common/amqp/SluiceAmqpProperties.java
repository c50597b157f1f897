package io.sluice.common.amqp;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The RabbitMQ topology every service shares, under {@code sluice.amqp}.
 *
 * @param prefix first part of every exchange and queue name, so that several pipelines (or tests) share one broker
 * @param targets the warehouses the loader writes to; each gets its own queue {@code <prefix>.loader.<target>}
 * @param deliveryLimit deliveries after which a message that keeps failing is dead-lettered
 * @param maxMessageBytes size cap of one batch message; larger batches are split
 * @param confirmTimeout how long a publisher waits for the broker to confirm a message before treating it as failed
 */
@Validated
@ConfigurationProperties("sluice.amqp")
public record SluiceAmqpProperties(
        @DefaultValue("sluice") @Pattern(regexp = "[A-Za-z0-9_.-]+", message = "use letters, digits, '_', '-' and '.'")
        String prefix,

        @DefaultValue("warehouse") @NotEmpty List<@Pattern(regexp = "[A-Za-z0-9_-]+") String> targets,
        @DefaultValue("5") @Min(1) int deliveryLimit,
        @DefaultValue("4194304") @Min(1024) int maxMessageBytes,
        @DefaultValue("30s") Duration confirmTimeout) {

    public Topology topology() {
        return new Topology(prefix, targets);
    }
}
