package io.sluice.loader;

import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The PostgreSQL sink (the default): the versioned merge behind bad-row isolation, and the open TOAST gaps' health. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnSink(SinkKind.POSTGRESQL)
class PostgresSinkConfiguration {

    @Bean
    MergeWriter mergeWriter(DataSource dataSource, LoaderProperties properties, TargetAllowList allowList) {
        return new MergeWriter(
                dataSource,
                new TableRules(properties.tables()),
                new TargetTables(dataSource, properties.createTables()),
                allowList,
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
