package io.sluice.loader;

import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** The PostgreSQL sink (the default): the versioned merge behind bad-row isolation, and the open TOAST gaps' health. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnSink(SinkKind.POSTGRESQL)
class PostgresSinkConfiguration {

    @Bean
    MergeWriter mergeWriter(DataSource dataSource, LoaderProperties properties, Environment environment) {
        TableRules rules = new TableRules(properties.tables());
        return new MergeWriter(
                dataSource,
                rules,
                new TargetTables(dataSource, properties.createTables()),
                AllowedTargets.of(properties.allowedTargets(), rules, Binder.get(environment)),
                properties.maxRows(),
                properties.merge());
    }

    @Bean
    Sink postgresSink(MergeWriter writer) {
        return new BadRowIsolation(writer);
    }

    @Bean
    OpenToastGaps toastGapsHealthIndicator(DataSource dataSource, MeterRegistry meters) {
        return new OpenToastGaps(dataSource, meters);
    }
}
