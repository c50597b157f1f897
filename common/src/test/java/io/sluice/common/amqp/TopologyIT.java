package io.sluice.common.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.batch.BatchCodec;
import io.sluice.testkit.RabbitBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/** The declared topology and the confirmed publisher, against a real RabbitMQ. */
class TopologyIT {

    private final RabbitBroker broker = RabbitBroker.get();
    private final SluiceAmqpProperties properties = new SluiceAmqpProperties(
            RabbitBroker.uniquePrefix("topology"),
            List.of("warehouse", "lake"),
            3,
            4096,
            Duration.ofSeconds(10),
            broker.embedded() ? SluiceAmqpProperties.QueueKind.PLAIN : SluiceAmqpProperties.QueueKind.QUORUM,
            BatchMessages.Compression.LZ4,
            io.sluice.common.batch.BatchCodec.Format.JSON,
            null,
            null);
    private final Topology names = properties.topology();
    private CachingConnectionFactory connectionFactory;
    private RabbitAdmin admin;
    private RabbitTemplate template;

    @BeforeEach
    void declare() {
        connectionFactory = new CachingConnectionFactory(broker.host(), broker.port());
        connectionFactory.setUsername(broker.username());
        connectionFactory.setPassword(broker.password());
        connectionFactory.setVirtualHost(broker.virtualHost());
        connectionFactory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
        connectionFactory.setPublisherReturns(true);
        admin = new RabbitAdmin(connectionFactory);
        TopologyDeclarations.of(properties).getDeclarables().forEach(d -> {
            switch (d) {
                case org.springframework.amqp.core.Exchange e -> admin.declareExchange(e);
                case org.springframework.amqp.core.Queue q -> admin.declareQueue(q);
                case org.springframework.amqp.core.Binding b -> admin.declareBinding(b);
                default -> throw new IllegalStateException("unexpected " + d);
            }
        });
        template = new RabbitTemplate(connectionFactory);
    }

    @AfterEach
    void cleanUp() {
        RabbitBroker.get().delete(names.queues(), names.exchanges());
        connectionFactory.destroy();
    }

    @Test
    void workQueuesAreQuorumQueuesThatDeadLetterAfterTheDeliveryLimit() throws Exception {
        broker.assumeRabbitMq("quorum queues and the delivery limit");
        QueueInformation handler = admin.getQueueInfo(names.handlerQueue());
        assertThat(handler).isNotNull();
        // A quorum queue with delivery limit 3: a message rejected 3 times lands in the handler's dead-letter queue.
        template.send(names.rawExchange(), "shop.public.orders", text("poison"));
        try (com.rabbitmq.client.Connection connection = broker.newConnection();
                com.rabbitmq.client.Channel channel = connection.createChannel()) {
            // RabbitMQ dead-letters once the returns exceed the limit: 3 deliveries are retried, the 4th return is
            // final.
            int deliveries = 0;
            com.rabbitmq.client.GetResponse m;
            while ((m = awaitGet(channel, names.handlerQueue())) != null) {
                deliveries++;
                channel.basicNack(m.getEnvelope().getDeliveryTag(), false, true);
            }
            assertThat(deliveries).isBetween(3, 4);
        }
        Message dead = receive(names.deadLetterQueue(Topology.Stage.HANDLER));
        assertThat(dead).isNotNull();
        assertThat(new String(dead.getBody(), StandardCharsets.UTF_8)).isEqualTo("poison");
        assertThat(admin.getQueueInfo(names.handlerQueue()).getMessageCount()).isZero();
    }

    @Test
    void cleanExchangeRoutesEachTargetToItsOwnQueue() {
        ConfirmedPublisher publisher = new ConfirmedPublisher(template, Duration.ofSeconds(10));
        publisher.publishAndWait(
                names.cleanExchange(),
                Topology.cleanRoutingKey("lake", io.sluice.common.pg.TableName.parse("public.orders")),
                text("to the lake"));
        assertThat(receive(names.loaderQueue("lake"))).isNotNull();
        assertThat(admin.getQueueInfo(names.loaderQueue("warehouse")).getMessageCount())
                .isZero();
    }

    @Test
    void publisherConfirmsRoutedMessagesAndFailsUnroutableOnes() {
        ConfirmedPublisher publisher = new ConfirmedPublisher(template, Duration.ofSeconds(10));
        publisher
                .publish(names.rawExchange(), "shop.public.orders", text("routed"))
                .join();
        assertThat(admin.getQueueInfo(names.handlerQueue()).getMessageCount()).isEqualTo(1);

        // The clean exchange only routes keys of configured targets: anything else comes back, and the caller knows.
        assertThatThrownBy(
                        () -> publisher.publishAndWait(names.cleanExchange(), "nowhere.public.orders", text("lost?")))
                .isInstanceOf(PublishFailedException.class)
                // Qpid (the embedded broker) nacks an unroutable message before its return is correlated.
                .hasMessageContaining(broker.embedded() ? "nacked" : "unroutable");
        assertThatThrownBy(() -> publisher.publishAndWait(names.prefix() + ".missing", "k", text("x")))
                .isInstanceOf(PublishFailedException.class);
    }

    @Test
    void publisherRefusesATemplateWithoutConfirms() {
        CachingConnectionFactory plain = new CachingConnectionFactory(broker.host(), broker.port());
        try {
            assertThatThrownBy(() -> new ConfirmedPublisher(new RabbitTemplate(plain), Duration.ofSeconds(1)))
                    .hasMessageContaining("publisher-confirm-type=correlated");
        } finally {
            plain.destroy();
        }
    }

    private static com.rabbitmq.client.GetResponse awaitGet(com.rabbitmq.client.Channel channel, String queue)
            throws Exception {
        long deadline = System.currentTimeMillis() + 2_000;
        com.rabbitmq.client.GetResponse response;
        while ((response = channel.basicGet(queue, false)) == null && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        return response;
    }

    private Message receive(String queue) {
        return template.receive(queue, 5_000);
    }

    private static Message text(String body) {
        return MessageBuilder.withBody(body.getBytes(StandardCharsets.UTF_8))
                .setContentType(BatchCodec.CONTENT_TYPE)
                .build();
    }
}
