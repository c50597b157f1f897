package io.sluice.loader;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.ConfirmedPublisher;
import io.sluice.common.amqp.SluiceAmqpProperties;
import org.springframework.amqp.core.AcknowledgeMode;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** Wires the loader's batch consumer of its target's queue to the configured {@link Sink}. */
@Configuration(proxyBeanMethods = false)
class LoaderConfiguration {

    @Bean
    SimpleMessageListenerContainer loaderContainer(
            ConnectionFactory connectionFactory,
            LoaderProperties properties,
            SluiceAmqpProperties amqp,
            BatchMessages messages,
            Sink sink,
            ConfirmedPublisher publisher,
            MeterRegistry meters,
            TargetAllowList allowList) {
        if (!amqp.targets().contains(properties.target())) {
            throw new IllegalStateException("sluice.loader.target '" + properties.target()
                    + "' is not one of sluice.amqp.targets " + amqp.targets());
        }
        SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(connectionFactory);
        container.setQueueNames(amqp.topology().loaderQueue(properties.target()));
        container.setConcurrentConsumers(properties.consumers());
        container.setConsumerBatchEnabled(true);
        container.setBatchSize(properties.maxMessages());
        // One group per consumer in flight: with several consumers, one receives while another writes, and a
        // pre-filled queue is shared between them instead of going whole to the first.
        container.setPrefetchCount(properties.maxMessages());
        // max-wait bounds the whole group: a group is written when it is full or max-wait after its first message,
        // not after max-wait of silence (a steady trickle would otherwise wait for a full group, seconds at low rates).
        container.setBatchReceiveTimeout(properties.maxWait().toMillis());
        container.setReceiveTimeout(Math.min(50, properties.maxWait().toMillis()));
        container.setAcknowledgeMode(AcknowledgeMode.AUTO);
        // The topology is declared by the admin on every new connection; the container's own redeclaring only added,
        // with the broker down, a misleading "auto-delete queue(s)" error beside the real one. A missing queue is
        // waited for, not fatal.
        container.setAutoDeclare(false);
        container.setMissingQueuesFatal(false);
        container.setDefaultRequeueRejected(true);
        Sink guarded = properties.sink() == SinkKind.POSTGRESQL
                ? sink // which checks the target each table rule maps a batch to
                : new AllowedTablesSink(sink, allowList);
        container.setMessageListener(
                new BatchLoader(messages, guarded, publisher, amqp.topology(), meters, properties.retryTimeout()));
        return container;
    }

    /** The tables this loader may write ({@code sluice.loader.allowed-targets}), for whichever sink it has. */
    @Bean
    TargetAllowList targetAllowList(LoaderProperties properties, Environment environment) {
        return AllowedTargets.of(
                properties.allowedTargets(), new TableRules(properties.tables()), Binder.get(environment));
    }

    /** {@code sluice pause loader}: stops consuming, the queue holds the messages. */
    @Bean
    io.sluice.common.pause.StagePause stagePause(MeterRegistry meters, SimpleMessageListenerContainer loaderContainer) {
        io.sluice.common.pause.StagePause pause =
                new io.sluice.common.pause.StagePause(io.sluice.common.amqp.Topology.Stage.LOADER, meters);
        pause.controls(loaderContainer);
        return pause;
    }
}
