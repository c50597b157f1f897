package io.sluice.common.pause;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * For a service that can pause (it defines a {@link StagePause}): the admin endpoints and a {@code pause} health
 * component. A paused stage stays UP and ready (nothing is wrong with it); its health details say it is paused.
 */
@AutoConfiguration
@ConditionalOnWebApplication
@ConditionalOnBean(StagePause.class)
@Import(PauseController.class)
public class SluicePauseAutoConfiguration {

    /** The health component, where the actuator's health is on the classpath. */
    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    @org.springframework.boot.autoconfigure.condition.ConditionalOnClass(HealthIndicator.class)
    static class PauseHealth {

        @Bean
        HealthIndicator pauseHealthIndicator(StagePause pause) {
            return () -> {
                Health.Builder health = Health.up().withDetail("paused", pause.paused());
                if (pause.since() != null) {
                    health.withDetail("since", pause.since().toString());
                }
                return health.build();
            };
        }
    }
}
