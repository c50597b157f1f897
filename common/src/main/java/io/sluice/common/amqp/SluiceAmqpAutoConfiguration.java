package io.sluice.common.amqp;

import io.sluice.common.batch.BatchCodec;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** Wires the shared topology, the batch codec and the confirmed publisher into every Sluice service. */
@AutoConfiguration(afterName = "org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration")
@EnableConfigurationProperties(SluiceAmqpProperties.class)
public class SluiceAmqpAutoConfiguration {

    @Bean
    Declarables sluiceTopology(SluiceAmqpProperties properties) {
        return TopologyDeclarations.of(properties);
    }

    @Bean
    @ConditionalOnMissingBean
    BatchCodec batchCodec() {
        return new BatchCodec();
    }

    @Bean
    @ConditionalOnMissingBean
    BatchMessages batchMessages(BatchCodec codec, SluiceAmqpProperties properties) {
        return new BatchMessages(codec, properties.maxMessageBytes());
    }

    @Bean
    @ConditionalOnBean(RabbitTemplate.class)
    @ConditionalOnMissingBean
    ConfirmedPublisher confirmedPublisher(RabbitTemplate template, SluiceAmqpProperties properties) {
        return new ConfirmedPublisher(template, properties.confirmTimeout());
    }
}
