package io.sluice.common.amqp;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.batch.BatchCodec;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.amqp.autoconfigure.ConnectionFactoryCustomizer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/** Wires the shared topology, the batch codec and the confirmed publisher into every Sluice service. */
@AutoConfiguration(afterName = "org.springframework.boot.amqp.autoconfigure.RabbitAutoConfiguration")
@EnableConfigurationProperties(SluiceAmqpProperties.class)
public class SluiceAmqpAutoConfiguration {

    @Bean
    Declarables sluiceTopology(SluiceAmqpProperties properties) {
        return TopologyDeclarations.of(properties);
    }

    /**
     * Declares the topology as soon as the service starts rather than on its first publish or consume, so that no
     * message is ever published to an exchange that exists but has no queue yet. A broker that is down is not fatal:
     * the admin declares everything again whenever a connection opens.
     */
    @Bean
    @ConditionalOnBean(AmqpAdmin.class)
    static SmartInitializingSingleton sluiceTopologyDeclarer(ObjectProvider<AmqpAdmin> admin) {
        return () -> {
            if (admin.getIfAvailable() instanceof RabbitAdmin rabbit) {
                try {
                    rabbit.initialize();
                } catch (AmqpException e) {
                    org.springframework.amqp.rabbit.connection.ConnectionFactory factory =
                            rabbit.getRabbitTemplate().getConnectionFactory();
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    LoggerFactory.getLogger(SluiceAmqpAutoConfiguration.class)
                            .warn(
                                    "RabbitMQ not reachable at {}:{} (virtual host '{}') at start-up: {}. The service"
                                            + " is live but not ready, and declares its topology when it connects;"
                                            + " check spring.rabbitmq.host, port and credentials"
                                            + " (SPRING_RABBITMQ_*)",
                                    factory.getHost(),
                                    factory.getPort(),
                                    factory.getVirtualHost(),
                                    cause.getMessage() != null ? cause.getMessage() : cause.toString());
                }
            }
        };
    }

    /** Queue depths as metrics, in every service that has a meter registry (all of them, through actuator). */
    @Bean
    @ConditionalOnBean(AmqpAdmin.class)
    static SmartInitializingSingleton sluiceQueueDepthMetrics(
            ObjectProvider<AmqpAdmin> admin,
            ObjectProvider<MeterRegistry> meters,
            ObjectProvider<SluiceAmqpProperties> properties) {
        return () -> {
            if (admin.getIfAvailable() instanceof RabbitAdmin rabbit) {
                meters.ifAvailable(registry ->
                        new QueueDepthMetrics(rabbit, properties.getObject().topology(), registry));
            }
        };
    }

    @Bean
    @ConditionalOnMissingBean
    BatchCodec batchCodec() {
        return new BatchCodec();
    }

    @Bean
    @ConditionalOnMissingBean
    BatchMessages batchMessages(BatchCodec codec, SluiceAmqpProperties properties) {
        return new BatchMessages(
                codec,
                properties.maxMessageBytes(),
                properties.compression(),
                properties.format(),
                MessageLimits.of(properties));
    }

    /**
     * Raises the AMQP client's inbound cap just above Sluice's own, unless {@code
     * spring.rabbitmq.max-inbound-message-body-size} is set: a body between the two is dead-lettered with its reason,
     * where the client's cap alone would close the connection on it and have the broker redeliver it for ever.
     */
    @Bean
    ConnectionFactoryCustomizer sluiceInboundBodyLimit(SluiceAmqpProperties properties, Environment environment) {
        return factory -> {
            if (!environment.containsProperty("spring.rabbitmq.max-inbound-message-body-size")) {
                factory.setMaxInboundMessageBodySize(
                        (int) MessageLimits.of(properties).clientBytes());
            }
        };
    }

    @Bean
    @ConditionalOnBean(RabbitTemplate.class)
    @ConditionalOnMissingBean
    ConfirmedPublisher confirmedPublisher(RabbitTemplate template, SluiceAmqpProperties properties) {
        return new ConfirmedPublisher(template, properties.confirmTimeout());
    }
}
