package io.sluice.handler.pipeline;

import com.zaxxer.hikari.HikariDataSource;
import io.sluice.handler.HandlerProperties;
import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The built-in step types, and the pipelines read from {@code sluice.handler.pipelines} with every step type bean. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ReferenceDatabase.class)
public class PipelineConfiguration {

    /** The reference database's pool, opened the first time a lookup asks for it. */
    static final class ReferencePool implements AutoCloseable {
        private final ReferenceDatabase database;
        private HikariDataSource dataSource;

        ReferencePool(ReferenceDatabase database) {
            this.database = database;
        }

        synchronized DataSource dataSource() {
            if (dataSource == null) {
                dataSource = database.open();
            }
            return dataSource;
        }

        @Override
        public synchronized void close() {
            if (dataSource != null) {
                dataSource.close();
            }
        }
    }

    @Bean
    StepType renameStep() {
        return new ColumnSteps.Rename();
    }

    @Bean
    StepType selectStep() {
        return new ColumnSteps.Select();
    }

    @Bean
    StepType dropStep() {
        return new ColumnSteps.Drop();
    }

    @Bean
    StepType defaultStep() {
        return new ColumnSteps.Default();
    }

    @Bean
    StepType castStep() {
        return new CastStep();
    }

    @Bean
    StepType maskStep() {
        return new MaskStep();
    }

    @Bean
    StepType filterStep() {
        return new ExpressionSteps.Filter();
    }

    @Bean
    StepType computeStep() {
        return new ExpressionSteps.Compute();
    }

    /** Opened on first use by a lookup, closed with the context. */
    @Bean(destroyMethod = "close")
    ReferencePool referencePool(ReferenceDatabase database) {
        return new ReferencePool(database);
    }

    @Bean
    StepType lookupStep(ReferencePool pool) {
        return new LookupStep(pool::dataSource);
    }

    @Bean
    StepType geoStep(ReferencePool pool) {
        return new GeoStep(pool::dataSource);
    }

    @Bean
    StepType routeStep() {
        return new RouteStep();
    }

    @Bean
    StepType shardStep() {
        return new ShardStep();
    }

    @Bean
    PipelineRunner pipelineRunner(Pipelines pipelines, io.micrometer.core.instrument.MeterRegistry meters) {
        return new PipelineRunner(pipelines, meters);
    }

    @Bean
    Pipelines pipelines(HandlerProperties properties, List<StepType> types) {
        if (properties.pipelines() == null || properties.pipelines().isBlank()) {
            return Pipelines.none();
        }
        return new PipelineFiles(types).read(Path.of(properties.pipelines()));
    }
}
