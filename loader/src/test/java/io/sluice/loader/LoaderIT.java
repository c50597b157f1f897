package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
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

/** The loader against real PostgreSQL and RabbitMQ: redelivered, duplicated and shuffled batches converge. */
class LoaderIT {

    private static final TableName ACCOUNTS = new TableName("public", "accounts");
    private static final List<Column> COLUMNS = List.of(
            new Column("id", "bigint", true),
            new Column("balance", "numeric", false),
            new Column("owner", "text", false));

    private final TestDatabase target = TestPostgres.get().newDatabase("loader_target");
    private LoaderFixture fixture;

    @BeforeEach
    void startLoader() {
        target.execute("CREATE TABLE accounts (id int8 PRIMARY KEY, balance numeric, owner text,"
                + " _sluice_lsn int8 NOT NULL, _sluice_seq int8 NOT NULL)");
        fixture = new LoaderFixture(target.jdbcUrl());
        fixture.startLoader();
    }

    @AfterEach
    void stop() {
        fixture.close();
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
        fixture.sendRaw(
                "warehouse.public.accounts",
                MessageBuilder.withBody("{\"v\":9}".getBytes(StandardCharsets.UTF_8))
                        .build());
        send(new ChangeBatch("bank", Origin.CDC, ACCOUNTS, COLUMNS, List.of(row)));

        Message dead = fixture.deadLetter(Duration.ofSeconds(20));
        assertThat(dead).isNotNull();
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR))
                .contains("v=9 is not supported");
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_STAGE))
                .isEqualTo("loader");
        await().atMost(Duration.ofSeconds(20)).until(() -> targetRows().containsKey(1L));
    }

    private void send(ChangeBatch batch) {
        fixture.send(batch);
    }

    private void awaitQueueEmpty() {
        fixture.awaitQueueEmpty();
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
