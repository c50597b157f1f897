package io.sluice.handler;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.testkit.RabbitBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** The handler between two real exchanges: relays, acks only what is confirmed downstream, dead-letters garbage. */
class HandlerIT {

    private final String prefix = RabbitBroker.uniquePrefix("handler");
    private final Topology names = new Topology(prefix, List.of("warehouse", "lake"));
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);
    private final ChangeBatch batch = new ChangeBatch(
            "shop",
            Origin.CDC,
            new TableName("public", "orders"),
            List.of(new Column("id", "bigint", true), new Column("note", "text", false)),
            List.of(new Row(
                    Op.INSERT, 100, 1, Instant.parse("2026-11-30T00:00:00Z"), Arrays.asList("1", "x"), List.of())));
    private ConfigurableApplicationContext handler;
    private Connection connection;
    private Channel channel;

    @BeforeEach
    void start() throws Exception {
        handler = HandlerApplication.create()
                .run(RabbitBroker.get().serviceArgs(prefix, "--sluice.amqp.targets=warehouse,lake"));
        connection = RabbitBroker.get().newConnection();
        channel = connection.createChannel();
    }

    @AfterEach
    void stop() throws Exception {
        handler.close();
        connection.close();
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void everyBatchReachesEveryTargetUnchanged() throws Exception {
        byte[] body = publishRaw(batch);

        for (String target : List.of("warehouse", "lake")) {
            GetResponse out = await(names.loaderQueue(target), Duration.ofSeconds(10));
            assertThat(out).as(target).isNotNull();
            assertThat(out.getBody()).isEqualTo(body);
            assertThat(out.getProps().getContentEncoding()).isEqualTo("lz4");
            assertThat(out.getEnvelope().getRoutingKey()).isEqualTo(target + ".public.orders");
            assertThat(out.getProps().getHeaders()).containsEntry(BatchMessages.HEADER_ROWS, 1);
        }
        handler.close(); // an input the handler took but never acked would be back in its queue now
        assertThat(channel.messageCount(names.handlerQueue())).isZero();
    }

    @Test
    void anUnreadableBodyBehindValidHeadersIsDeadLetteredHereNotRelayed() throws Exception {
        publishRaw(batch, "not even JSON".getBytes(StandardCharsets.UTF_8));

        // Headers alone are not trusted: the body must say the same before it passes unread.
        GetResponse dead = await(names.deadLetterQueue(Topology.Stage.HANDLER), Duration.ofSeconds(10));
        assertThat(dead).isNotNull();
        assertThat(dead.getProps().getHeaders().get(BatchMessages.HEADER_ERROR).toString())
                .contains("lz4");
        assertThat(channel.messageCount(names.loaderQueue("warehouse"))).isZero();
    }

    @Test
    void anInputIsKeptUntilItsOutputIsConfirmed() throws Exception {
        channel.queueUnbind(names.loaderQueue("lake"), names.cleanExchange(), "lake.#");
        publishRaw(batch);
        Thread.sleep(2_000); // the lake output is unroutable meanwhile: the input must not be acked nor dead-lettered
        assertThat(channel.messageCount(names.loaderQueue("lake"))).isZero();
        assertThat(channel.messageCount(names.deadLetterQueue(Topology.Stage.HANDLER)))
                .isZero();

        channel.queueBind(names.loaderQueue("lake"), names.cleanExchange(), "lake.#");
        assertThat(await(names.loaderQueue("lake"), Duration.ofSeconds(20))).isNotNull();
        assertThat(await(names.loaderQueue("warehouse"), Duration.ofSeconds(5))).isNotNull();
        assertThat(channel.messageCount(names.deadLetterQueue(Topology.Stage.HANDLER)))
                .isZero();
    }

    @Test
    void anUnreadableBatchIsDeadLetteredWithTheReason() throws Exception {
        channel.basicPublish(
                names.rawExchange(),
                "shop.public.orders",
                null,
                "{\"v\":1,\"source\":\"shop\"".getBytes(StandardCharsets.UTF_8));

        GetResponse dead = await(names.deadLetterQueue(Topology.Stage.HANDLER), Duration.ofSeconds(10));
        assertThat(dead).isNotNull();
        assertThat(dead.getProps().getHeaders().get(BatchMessages.HEADER_ERROR).toString())
                .contains("not a batch");
        assertThat(dead.getProps().getHeaders().get(BatchMessages.HEADER_STAGE).toString())
                .isEqualTo("handler");
        assertThat(channel.messageCount(names.loaderQueue("warehouse"))).isZero();
    }

    private byte[] publishRaw(ChangeBatch batch) throws Exception {
        return publishRaw(batch, null);
    }

    /** The batch's message as the getter publishes it, with {@code body} (when given) in place of its own. */
    private byte[] publishRaw(ChangeBatch batch, byte[] body) throws Exception {
        var message = messages.toMessages(batch).get(0);
        var props = new com.rabbitmq.client.AMQP.BasicProperties.Builder()
                .contentType(BatchCodec.CONTENT_TYPE)
                .contentEncoding(message.getMessageProperties().getContentEncoding())
                .headers(message.getMessageProperties().getHeaders())
                .build();
        byte[] sent = body == null ? message.getBody() : body;
        channel.basicPublish(names.rawExchange(), Topology.rawRoutingKey("shop", batch.table()), props, sent);
        return sent;
    }

    private GetResponse await(String queue, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            GetResponse response = channel.basicGet(queue, true);
            if (response != null) {
                return response;
            }
            Thread.sleep(50);
        }
        return null;
    }
}
