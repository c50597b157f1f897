package io.sluice.common.state;

import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/** Where Flyway is off, waits for the state schema before the service starts working (see {@link StateSchemaWait}). */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnProperty(name = "spring.flyway.enabled", havingValue = "false")
public class StateSchemaAutoConfiguration {

    @Bean
    @ConditionalOnBean(DataSource.class)
    static SmartInitializingSingleton sluiceStateSchemaWait(DataSource dataSource, Environment environment) {
        Duration timeout = environment.getProperty("sluice.state.wait", Duration.class, Duration.ofMinutes(5));
        return () -> {
            try {
                StateSchemaWait.await(dataSource, timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the state schema", e);
            }
        };
    }
}
