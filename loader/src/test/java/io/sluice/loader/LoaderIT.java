package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ConfigurableApplicationContext;

/** The loader against real PostgreSQL and RabbitMQ: redelivered, duplicated and shuffled batches converge. */
class LoaderIT {

    private static final TableName ACCOUNTS = new TableName("public", "accounts");
    private static final List<Column> COLUMNS = List.of(
            new Column("id", "bigint", true),
            new Column("balance", "numeric", false),
            new Column("owner", "text", false));

    private final TestDatabase target = TestPostgres.get().newDatabase("loader_target");
    private final String prefix = RabbitBroker.uniquePrefix("loader");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);
    private ConfigurableApplicationContext loader;
    private CachingConnectionFactory connectionFactory;
    private RabbitTemplate template;

    @BeforeEach
    void startLoader() {
        target.execute("CREATE TABLE accounts (id int8 PRIMARY KEY, balance numeric, owner text,"
                + " _sluice_lsn int8 NOT NULL, _sluice_seq int8 NOT NULL)");
        RabbitBroker broker = RabbitBroker.get();
        loader = LoaderApplication.create()
                .run(broker.serviceArgs(
                        prefix, "--sluice.loader.max-messages=7", "--spring.datasource.url=" + target.jdbcUrl()));
        connectionFactory = new CachingConnectionFactory(broker.host(), broker.port());
        connectionFactory.setUsername(broker.username());
        connectionFactory.setPassword(broker.password());
        connectionFactory.setVirtualHost(broker.virtualHost());
        template = new RabbitTemplate(connectionFactory);
    }

    @AfterEach
    void stop() {
        loader.close();
        connectionFactory.destroy();
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void duplicatedAndShuffledBatchesConvergeToTheLatestVersionOfEveryKey() {
        Random random = new Random(7);
        List<Row> changes = new ArrayList<>();
        Map<Long, List<String>> expected = new TreeMap<>();
        long lsn = 1_000;
        for (long id = 1; id <= 300; id++) {
            int steps = 1 + random.nextInt(6);
            boolean exists = false;
            for (int step = 0; step < steps; step++) {
                lsn += 1 + random.nextInt(50);
                Op op = !exists ? Op.INSERT : random.nextInt(4) == 0 ? Op.DELETE : Op.UPDATE;
                List<String> values = op == Op.DELETE
                        ? Arrays.asList(Long.toString(id), null, null)
                        : Arrays.asList(Long.toString(id), random.nextInt(10_000) + ".25", "owner " + lsn);
                changes.add(new Row(op, lsn, 1 + random.nextInt(3), Instant.now(), values, List.of()));
                exists = op != Op.DELETE;
                if (exists) {
                    expected.put(id, values);
                } else {
                    expected.remove(id);
                }
            }
        }
        Collections.shuffle(changes, random);
        List<ChangeBatch> batches = new ArrayList<>();
        for (int from = 0; from < changes.size(); ) {
            int to = Math.min(changes.size(), from + 1 + random.nextInt(40));
            batches.add(new ChangeBatch("bank", Origin.CDC, ACCOUNTS, COLUMNS, changes.subList(from, to)));
            from = to;
        }
        List<ChangeBatch> deliveries = new ArrayList<>(batches);
        deliveries.addAll(batches); // every batch twice: a redelivery after a lost ack
        Collections.shuffle(deliveries, random);
        deliveries.forEach(this::send);

        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(targetRows()).isEqualTo(expected));
        // A late copy of the oldest changes must not move anything once everything has landed.
        batches.subList(0, 5).forEach(this::send);
        awaitQueueEmpty();
        assertThat(targetRows()).isEqualTo(expected);
    }

    @Test
    void anUnreadableMessageIsDeadLetteredWithItsReasonAndTheRestLands() {
        Row row = new Row(Op.INSERT, 5, 1, Instant.now(), Arrays.asList("1", "10.00", "ann"), List.of());
        template.send(
                names.cleanExchange(),
                "warehouse.public.accounts",
                MessageBuilder.withBody("{\"v\":9}".getBytes(StandardCharsets.UTF_8))
                        .build());
        send(new ChangeBatch("bank", Origin.CDC, ACCOUNTS, COLUMNS, List.of(row)));

        Message dead = template.receive(names.deadLetterQueue(Topology.Stage.LOADER), 20_000);
        assertThat(dead).isNotNull();
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR))
                .contains("v=9 is not supported");
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_STAGE))
                .isEqualTo("loader");
        await().atMost(Duration.ofSeconds(20)).until(() -> targetRows().containsKey(1L));
    }

    @Test
    void anUnchangedValueTheSourceDidNotSendKeepsTheTargetsValue() {
        String large = "x".repeat(10_000);
        send(new ChangeBatch(
                "bank",
                Origin.CDC,
                ACCOUNTS,
                COLUMNS,
                List.of(new Row(Op.INSERT, 10, 1, Instant.now(), Arrays.asList("7", "1.00", large), List.of()))));
        await().atMost(Duration.ofSeconds(20)).until(() -> targetRows().containsKey(7L));
        // The update changed the balance; the owner column is a large value the source did not send again.
        send(new ChangeBatch(
                "bank",
                Origin.CDC,
                ACCOUNTS,
                COLUMNS,
                List.of(new Row(Op.UPDATE, 20, 1, Instant.now(), Arrays.asList("7", "2.00", null), List.of(2)))));
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(targetRows().get(7L)).containsExactly("7", "2.00", large));
        // An older full change arriving late still loses to it.
        send(new ChangeBatch(
                "bank",
                Origin.CDC,
                ACCOUNTS,
                COLUMNS,
                List.of(new Row(Op.UPDATE, 15, 1, Instant.now(), Arrays.asList("7", "9.99", "stale"), List.of()))));
        awaitQueueEmpty();
        assertThat(targetRows().get(7L)).containsExactly("7", "2.00", large);
    }

    private void send(ChangeBatch batch) {
        for (Message message : messages.toMessages(batch)) {
            template.send(names.cleanExchange(), Topology.cleanRoutingKey("warehouse", batch.table()), message);
        }
    }

    private void awaitQueueEmpty() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> template.execute(channel -> channel.queueDeclarePassive(names.loaderQueue("warehouse")))
                                .getMessageCount()
                        == 0);
        // Empty means delivered, not committed: wait out one transaction.
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Map<Long, List<String>> targetRows() {
        Map<Long, List<String>> rows = new TreeMap<>();
        for (List<Object> row : target.query("SELECT id, balance::text, owner FROM accounts")) {
            rows.put(
                    ((Number) row.get(0)).longValue(),
                    Arrays.asList(String.valueOf(row.get(0)), (String) row.get(1), (String) row.get(2)));
        }
        return rows;
    }
}
