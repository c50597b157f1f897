package io.sluice.handler.pipeline;

import io.sluice.handler.HandlerProperties;
import java.nio.file.Path;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The built-in step types, and the pipelines read from {@code sluice.handler.pipelines} with every step type bean. */
@Configuration(proxyBeanMethods = false)
public class PipelineConfiguration {

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

    @Bean
    StepType routeStep() {
        return new RouteStep();
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
