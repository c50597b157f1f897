package io.sluice.handler;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.SluiceAmqpProperties;
import io.sluice.handler.pipeline.PipelineRunner;
import java.util.List;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the handler's consumer of the handler queue. */
@Configuration(proxyBeanMethods = false)
class HandlerConfiguration {

    /** Closed after the container stops: its pending acks are settled first. */
    @Bean(destroyMethod = "close")
    BatchRelay batchRelay(
            HandlerProperties properties,
            SluiceAmqpProperties amqp,
            BatchMessages messages,
            ConfirmedPublisher publisher,
            PipelineRunner runner,
            MeterRegistry meters) {
        List<String> targets = properties.targets().isEmpty() ? amqp.targets() : properties.targets();
        for (String target : targets) {
            if (!amqp.targets().contains(target)) {
                throw new IllegalStateException("sluice.handler.targets names '" + target
                        + "', which is not in sluice.amqp.targets " + amqp.targets());
            }
        }
        return new BatchRelay(messages, publisher, amqp.topology(), targets, runner, meters, properties.retryTimeout());
    }

    @Bean
    SimpleMessageListenerContainer handlerContainer(
            ConnectionFactory connectionFactory,
            HandlerProperties properties,
            SluiceAmqpProperties amqp,
            BatchRelay relay) {
        SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(connectionFactory);
        container.setQueueNames(amqp.topology().handlerQueue());
        container.setConcurrentConsumers(properties.consumers());
        container.setPrefetchCount(properties.prefetch());
        // Inputs are taken in groups (up to half the prefetch, or what arrived within 50 ms), their outputs published
        // together and confirmed together: one confirm round trip per group, not per message. The relay acks a group
        // when its confirms arrive (MANUAL), so the next group is shaped meanwhile; the prefetch bounds what is in
        // flight.
        container.setConsumerBatchEnabled(true);
        container.setBatchSize(Math.max(1, properties.prefetch() / 2));
        container.setReceiveTimeout(50);
        container.setBatchReceiveTimeout(50); // a group waits at most 50 ms for more messages, whatever the rate
        container.setAcknowledgeMode(AcknowledgeMode.MANUAL);
        // The topology is declared by the admin on every new connection; the container's own redeclaring only added,
        // with the broker down, a misleading "auto-delete queue(s)" error beside the real one. A missing queue is
        // waited for, not fatal.
        container.setAutoDeclare(false);
        container.setMissingQueuesFatal(false);
        container.setDefaultRequeueRejected(true);
        container.setMessageListener(relay);
        return container;
    }

    /** {@code sluice pause handler}: stops consuming, the queue holds the messages. */
    @Bean
    io.sluice.common.pause.StagePause stagePause(
            MeterRegistry meters, SimpleMessageListenerContainer handlerContainer) {
        io.sluice.common.pause.StagePause pause =
                new io.sluice.common.pause.StagePause(io.sluice.common.amqp.Topology.Stage.HANDLER, meters);
        pause.controls(handlerContainer);
        return pause;
    }
}
