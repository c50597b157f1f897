package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ConfigurableApplicationContext;

/** One test's loader(s) on a target database, with its own queues: sends batches, reads the dead-letter queue. */
final class LoaderFixture implements AutoCloseable {

    private final String prefix = RabbitBroker.uniquePrefix("loader");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);
    private final String targetUrl;
    private final List<ConfigurableApplicationContext> loaders = new ArrayList<>();
    private final CachingConnectionFactory connectionFactory;
    private final RabbitTemplate template;
    private long sent;
    private double doneBefore;

    LoaderFixture(String targetUrl) {
        this.targetUrl = targetUrl;
        RabbitBroker broker = RabbitBroker.get();
        connectionFactory = new CachingConnectionFactory(broker.host(), broker.port());
        connectionFactory.setUsername(broker.username());
        connectionFactory.setPassword(broker.password());
        connectionFactory.setVirtualHost(broker.virtualHost());
        template = new RabbitTemplate(connectionFactory);
    }

    /** Starts a loader; the arguments add to (and override) the defaults. */
    ConfigurableApplicationContext startLoader(String... args) {
        String[] all = Stream.concat(
                        Stream.of("--sluice.loader.max-messages=7", "--spring.datasource.url=" + targetUrl),
                        Stream.of(args))
                .toArray(String[]::new);
        ConfigurableApplicationContext loader =
                LoaderApplication.create().run(RabbitBroker.get().serviceArgs(prefix, all));
        loaders.add(loader);
        return loader;
    }

    /** The loader started first. */
    ConfigurableApplicationContext loader() {
        return loaders.getFirst();
    }

    /** Stops the loaders started so far; the queues stay. */
    void stopLoaders() {
        doneBefore += done(loaders);
        loaders.forEach(ConfigurableApplicationContext::close);
        loaders.clear();
    }

    void send(ChangeBatch batch) {
        for (Message message : messages.toMessages(batch)) {
            sendRaw(Topology.cleanRoutingKey("warehouse", batch.table()), message);
        }
    }

    void sendRaw(String routingKey, Message message) {
        template.send(names.cleanExchange(), routingKey, message);
        sent++;
    }

    /** The next dead-lettered message of the loader, or null after the timeout. */
    Message deadLetter(Duration timeout) {
        return template.receive(names.deadLetterQueue(Topology.Stage.LOADER), timeout.toMillis());
    }

    /** Sends one insert of {@code values} into {@code table}, at version ({@code lsn}, 1). */
    void sendInsert(TableName table, List<Column> columns, long lsn, List<String> values) {
        send(new ChangeBatch(
                "bank",
                Origin.CDC,
                table,
                columns,
                List.of(new Row(Op.INSERT, lsn, 1, Instant.now(), values, List.of()))));
    }

    /** The reason the next dead letter of the loader carries; fails when none comes within 20 s. */
    String nextDeadLetterReason() {
        Message dead = deadLetter(Duration.ofSeconds(20));
        assertThat(dead).as("a dead letter").isNotNull();
        return dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR);
    }

    ChangeBatch decode(Message message) {
        return messages.fromMessage(message);
    }

    /**
     * Waits until every message sent is done: committed to the target or dead-lettered, as the loaders count them
     * ({@code sluice_messages_total}) just before their ack, and none is left in the queue.
     */
    void awaitQueueEmpty() {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> doneBefore + done(loaders) >= sent
                        && template.execute(channel -> channel.queueDeclarePassive(names.loaderQueue("warehouse")))
                                        .getMessageCount()
                                == 0);
    }

    private static double done(List<ConfigurableApplicationContext> loaders) {
        double done = 0;
        for (ConfigurableApplicationContext loader : loaders) {
            Counter counter = loader.getBean(MeterRegistry.class)
                    .find("sluice.messages")
                    .tag("stage", "loader")
                    .counter();
            done += counter == null ? 0 : counter.count();
        }
        return done;
    }

    @Override
    public void close() {
        loaders.forEach(ConfigurableApplicationContext::close);
        connectionFactory.destroy();
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }
}
