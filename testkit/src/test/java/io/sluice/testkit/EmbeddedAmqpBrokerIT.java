package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import io.sluice.embedded.EmbeddedAmqpBroker;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded broker speaks the AMQP 0-9-1 the services rely on: confirms, mandatory returns, nack, requeue. */
class EmbeddedAmqpBrokerIT {

    private static EmbeddedAmqpBroker broker;

    @BeforeAll
    static void start() {
        broker = EmbeddedAmqpBroker.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(broker.uri());
        return factory.newConnection("embedded-broker-it");
    }

    @Test
    void confirmsRoutesReturnsAndRedelivers() throws Exception {
        try (Connection connection = connect();
                Channel channel = connection.createChannel()) {
            channel.exchangeDeclare("it.raw", "topic", true);
            channel.queueDeclare("it.work", true, false, false, null);
            channel.queueBind("it.work", "it.raw", "shop.#");
            channel.confirmSelect();
            CompletableFuture<String> returned = new CompletableFuture<>();
            channel.addReturnListener(r -> returned.complete(r.getRoutingKey()));

            channel.basicPublish("it.raw", "shop.orders", true, null, "batch".getBytes(StandardCharsets.UTF_8));
            assertThat(channel.waitForConfirms(10_000)).isTrue();
            // Unroutable and mandatory: returned (Qpid also nacks it, RabbitMQ acks it; either way not delivered).
            channel.basicPublish("it.raw", "nowhere", true, null, "lost?".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirms(10_000);
            assertThat(returned.get(10, TimeUnit.SECONDS)).isEqualTo("nowhere");

            GetResponse first = channel.basicGet("it.work", false);
            assertThat(new String(first.getBody(), StandardCharsets.UTF_8)).isEqualTo("batch");
            channel.basicNack(first.getEnvelope().getDeliveryTag(), false, true);
            GetResponse again = channel.basicGet("it.work", false);
            assertThat(again.getEnvelope().isRedeliver()).isTrue();
            channel.basicAck(again.getEnvelope().getDeliveryTag(), false);
            assertThat(channel.queueDeclarePassive("it.work").getMessageCount()).isZero();
        }
    }
}
