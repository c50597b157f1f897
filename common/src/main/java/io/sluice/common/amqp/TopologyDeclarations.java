package io.sluice.common.amqp;

import io.sluice.common.amqp.SluiceAmqpProperties.QueueKind;
import io.sluice.common.amqp.Topology.Stage;
import java.util.ArrayList;
import java.util.List;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;

/**
 * Builds the exchanges, quorum queues and bindings of the topology. Every service declares all of it: declarations are
 * idempotent, and whichever service starts first leaves a complete topology, so no message is published to nowhere.
 */
public final class TopologyDeclarations {

    private TopologyDeclarations() {}

    public static Declarables of(SluiceAmqpProperties properties) {
        Topology names = properties.topology();
        List<Declarable> all = new ArrayList<>();
        TopicExchange raw = new TopicExchange(names.rawExchange(), true, false);
        TopicExchange clean = new TopicExchange(names.cleanExchange(), true, false);
        DirectExchange dlx = new DirectExchange(names.deadLetterExchange(), true, false);
        all.add(raw);
        all.add(clean);
        all.add(dlx);

        Queue handler = workQueue(names.handlerQueue(), Stage.HANDLER, names, properties);
        all.add(handler);
        all.add(BindingBuilder.bind(handler).to(raw).with("#"));
        for (String target : names.targets()) {
            Queue loader = workQueue(names.loaderQueue(target), Stage.LOADER, names, properties);
            all.add(loader);
            all.add(BindingBuilder.bind(loader).to(clean).with(target + ".#"));
        }
        for (Stage stage : Stage.values()) {
            Queue dead = properties.queueKind() == QueueKind.PLAIN
                    ? QueueBuilder.durable(names.deadLetterQueue(stage)).build()
                    : QueueBuilder.durable(names.deadLetterQueue(stage))
                            .quorum()
                            .build();
            all.add(dead);
            Binding binding = BindingBuilder.bind(dead).to(dlx).with(stage.id());
            all.add(binding);
        }
        return new Declarables(all);
    }

    private static Queue workQueue(String name, Stage stage, Topology names, SluiceAmqpProperties properties) {
        if (properties.queueKind() == QueueKind.PLAIN) {
            return QueueBuilder.durable(name).build();
        }
        return QueueBuilder.durable(name)
                .quorum()
                .deliveryLimit(properties.deliveryLimit())
                .deadLetterExchange(names.deadLetterExchange())
                .deadLetterRoutingKey(stage.id())
                // At-least-once dead-lettering needs reject-publish overflow; it keeps a dead letter from being lost.
                .overflow(QueueBuilder.Overflow.rejectPublish)
                .withArgument("x-dead-letter-strategy", "at-least-once")
                .build();
    }
}
