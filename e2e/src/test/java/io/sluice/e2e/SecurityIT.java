package io.sluice.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;

/**
 * Messages built to exhaust a service's heap, sent to the built jars of the handler and the loader (384 MiB heaps, as
 * small as a pod's): an LZ4 frame of about a megabyte decompressing to 250 MB, a body over the inbound cap, and a body
 * of millions of one-character values. Each is dead-lettered with its reason on its first delivery, the process stays
 * the same process (no OutOfMemoryError, no restart), and the good batches sent between them land.
 */
class SecurityIT {

    private final TestDatabase target = TestPostgres.get().newDatabase("security_target");
    private final String prefix = RabbitBroker.uniquePrefix("security");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);
    private final List<ServiceProcess> services = new ArrayList<>();

    @AfterEach
    void stop() {
        services.reversed().forEach(ServiceProcess::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void bodiesBuiltToExhaustTheHeapAreDeadLetteredAndNoServiceDies() throws Exception {
        ServiceProcess loader = start("loader", "--spring.datasource.url=" + target.jdbcUrl());
        ServiceProcess handler = start("handler");
        long loaderPid = loader.pid();
        long handlerPid = handler.pid();
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !loader.metrics().isEmpty() && !handler.metrics().isEmpty());

        List<byte[]> hostile = List.of(lz4(new byte[250_000_000]), new byte[30 << 20], lz4(tinyValues(3_000_000)));
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            int id = 0;
            for (byte[] body : hostile) {
                boolean compressed = body.length < 20 << 20;
                AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                        .contentType(BatchCodec.CONTENT_TYPE)
                        .contentEncoding(compressed ? "lz4" : null)
                        .headers(Map.of(
                                BatchMessages.HEADER_SOURCE, "shop",
                                BatchMessages.HEADER_TABLE, "public.accounts",
                                BatchMessages.HEADER_ROWS, 1))
                        .build();
                channel.basicPublish(names.cleanExchange(), "warehouse.public.accounts", props, body);
                channel.basicPublish(names.rawExchange(), "shop.public.accounts", props, body);
                publish(channel, names.cleanExchange(), "warehouse.public.accounts", good(++id));
                publish(channel, names.rawExchange(), "shop.public.accounts", good(++id));
            }
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions()
                    .until(() -> target.queryLong("SELECT count(*) FROM accounts") == 6);
            // The handler refuses what it must read; the batch of tiny values names its table truly at its start, so
            // it passes unread (costing the handler nothing) and the loader, which reads it, refuses it too.
            List<String> handlerReasons = reasons(channel, Stage.HANDLER, 2);
            List<String> loaderReasons = reasons(channel, Stage.LOADER, 4);
            assertThat(handlerReasons)
                    .anySatisfy(r -> assertThat(r).contains("lz4 body decompresses to more than"))
                    .anySatisfy(r -> assertThat(r).contains("bytes a batch message may have here"));
            assertThat(loaderReasons)
                    .anySatisfy(r -> assertThat(r).contains("lz4 body decompresses to more than"))
                    .anySatisfy(r -> assertThat(r).contains("bytes a batch message may have here"))
                    .filteredOn(r -> r.contains("would take more memory than a batch may have"))
                    .hasSize(2);
            System.out.println("dead letters: loader " + loaderReasons + ", handler " + handlerReasons);
        }
        assertThat(loader.alive()).isTrue();
        assertThat(handler.alive()).isTrue();
        assertThat(loader.pid()).isEqualTo(loaderPid);
        assertThat(handler.pid()).isEqualTo(handlerPid);
    }

    private ServiceProcess start(String module, String... extra) throws Exception {
        ServiceProcess service =
                ServiceProcess.start(module, "384m", List.of(RabbitBroker.get().serviceArgs(prefix, extra)));
        services.add(service);
        return service;
    }

    private void publish(Channel channel, String exchange, String routingKey, ChangeBatch batch) throws Exception {
        Message message = messages.toMessages(batch).getFirst();
        channel.basicPublish(
                exchange,
                routingKey,
                new AMQP.BasicProperties.Builder()
                        .contentType(BatchCodec.CONTENT_TYPE)
                        .contentEncoding(message.getMessageProperties().getContentEncoding())
                        .headers(message.getMessageProperties().getHeaders())
                        .build(),
                message.getBody());
    }

    /** The reasons of the first {@code count} dead letters of a stage, waiting for each. */
    private List<String> reasons(Channel channel, Stage stage, int count) {
        List<String> reasons = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            GetResponse dead = channel.basicGet(names.deadLetterQueue(stage), true);
            if (dead != null) {
                reasons.add(String.valueOf(dead.getProps().getHeaders().get(BatchMessages.HEADER_ERROR)));
            }
            return reasons.size() >= count;
        });
        return reasons;
    }

    private static ChangeBatch good(int id) {
        return new ChangeBatch(
                "shop",
                Origin.CDC,
                TableName.parse("public.accounts"),
                List.of(new Column("id", "bigint", true), new Column("note", "text", false)),
                List.of(new Row(
                        Op.INSERT, 100 + id, 0, Instant.now(), List.of(Integer.toString(id), "good"), List.of())));
    }

    /** A batch of one row of {@code n} one-character values: 4 bytes each as JSON, about 50 as Java strings. */
    private static byte[] tinyValues(int n) {
        StringBuilder json =
                new StringBuilder("{\"v\":1,\"source\":\"shop\",\"origin\":\"cdc\",\"table\":\"public.accounts\","
                        + "\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"key\":true}],"
                        + "\"rows\":[{\"op\":\"c\",\"lsn\":1,\"seq\":1,\"values\":[\"1\"");
        for (int i = 1; i < n; i++) {
            json.append(",\"1\"");
        }
        return json.append("]}]}").toString().getBytes(UTF_8);
    }

    private static byte[] lz4(byte[] content) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(out)) {
            lz4.write(content);
        }
        return out.toByteArray();
    }
}
