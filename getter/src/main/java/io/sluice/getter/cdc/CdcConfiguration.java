package io.sluice.getter.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.SluiceAmqpProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires change data capture when {@code sluice.getter.cdc.enabled} (the default). */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "sluice.getter.cdc", name = "enabled", matchIfMissing = true)
class CdcConfiguration {

    @Bean
    ReplicationRunner replicationRunner(
            CdcProperties properties,
            ConfirmedPublisher publisher,
            BatchMessages messages,
            SluiceAmqpProperties amqp,
            MeterRegistry meters) {
        return new ReplicationRunner(properties, new RawBatchPublisher(publisher, messages, amqp.topology(), meters));
    }
}
