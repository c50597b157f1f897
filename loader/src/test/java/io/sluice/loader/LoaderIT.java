package io.sluice.loader;

import static io.sluice.loader.AccountChanges.ACCOUNTS;
import static io.sluice.loader.AccountChanges.COLUMNS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;

/** The loader against real PostgreSQL and RabbitMQ: redelivered, duplicated and shuffled batches converge. */
class LoaderIT {

    final TestDatabase target = TestPostgres.get().newDatabase("loader_target");
    LoaderFixture fixture;

    @BeforeEach
    void startLoader() {
        target.execute(AccountChanges.CREATE_TABLE);
        fixture = new LoaderFixture(target.jdbcUrl());
        fixture.startLoader(loaderArgs());
    }

    /** Arguments a variant of these tests starts the loader with (the portable merge's, say). */
    String[] loaderArgs() {
        return new String[0];
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void duplicatedAndShuffledBatchesConvergeToTheLatestVersionOfEveryKey() {
        Random random = new Random(7);
        AccountChanges changes = AccountChanges.generate(random, 300, 40);
        changes.deliveries(random).forEach(fixture::send);

        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(
                        () -> assertThat(AccountChanges.targetRows(target)).isEqualTo(changes.expected()));
        // A late copy of the oldest changes must not move anything once everything has landed.
        changes.batches().subList(0, 5).forEach(fixture::send);
        fixture.awaitQueueEmpty();
        assertThat(AccountChanges.targetRows(target)).isEqualTo(changes.expected());
    }

    @Test
    void valuesWithCopysSpecialCharactersAndAnyUnicodeLandExactly() {
        List<String> owners =
                List.of("tab\there", "line\nbreak\r", "back\\slash \\N", "\\", "", "中文 ünïcode 😀", "\t\n\\中");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < owners.size(); i++) {
            rows.add(new Row(
                    Op.INSERT, 5, i + 1, Instant.now(), Arrays.asList("" + i, "1.00", owners.get(i)), List.of()));
        }
        rows.add(new Row(Op.INSERT, 5, 99, Instant.now(), Arrays.asList("99", null, null), List.of()));
        fixture.send(new ChangeBatch("bank", Origin.CDC, ACCOUNTS, COLUMNS, rows));

        await().atMost(Duration.ofSeconds(20))
                .until(() -> AccountChanges.targetRows(target).size() == owners.size() + 1);
        Map<Long, List<String>> landed = AccountChanges.targetRows(target);
        for (int i = 0; i < owners.size(); i++) {
            assertThat(landed.get((long) i)).containsExactly("" + i, "1.00", owners.get(i));
        }
        assertThat(landed.get(99L)).containsExactly("99", null, null);
    }

    @Test
    void anUnreadableMessageIsDeadLetteredWithItsReasonAndTheRestLands() {
        Row row = new Row(Op.INSERT, 5, 1, Instant.now(), Arrays.asList("1", "10.00", "ann"), List.of());
        fixture.sendRaw(
                "warehouse.public.accounts",
                MessageBuilder.withBody("{\"v\":9}".getBytes(StandardCharsets.UTF_8))
                        .build());
        fixture.send(new ChangeBatch("bank", Origin.CDC, ACCOUNTS, COLUMNS, List.of(row)));

        Message dead = fixture.deadLetter(Duration.ofSeconds(20));
        assertThat(dead).isNotNull();
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR))
                .contains("v=9 is not supported");
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_STAGE))
                .isEqualTo("loader");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> AccountChanges.targetRows(target).containsKey(1L));
    }

    @Test
    void poisonRowsAreIsolatedAndDeadLetteredWithTheDatabasesErrorWhileTheirBatchMatesLand() {
        target.execute("ALTER TABLE accounts ADD CHECK (balance >= 0)");
        List<Row> rows = new ArrayList<>();
        for (int id = 1; id <= 500; id++) {
            String balance = id == 123 ? "-5" : id == 321 ? "lots" : id + ".00";
            rows.add(new Row(Op.INSERT, 100 + id, 1, Instant.now(), Arrays.asList(id + "", balance, "o"), List.of()));
        }
        for (int from = 0; from < rows.size(); from += 100) {
            fixture.send(new ChangeBatch("bank", Origin.CDC, ACCOUNTS, COLUMNS, rows.subList(from, from + 100)));
        }

        Map<String, String> dead = new java.util.TreeMap<>();
        for (int i = 0; i < 2; i++) {
            Message message = fixture.deadLetter(Duration.ofSeconds(30));
            assertThat(message).isNotNull();
            ChangeBatch batch = fixture.decode(message);
            assertThat(batch.rows()).hasSize(1);
            dead.put(
                    batch.rows().get(0).values().get(0),
                    message.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR));
        }
        assertThat(dead).containsOnlyKeys("123", "321");
        assertThat(dead.get("123")).contains("violates check constraint");
        assertThat(dead.get("321")).contains("invalid input syntax for type numeric");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> AccountChanges.targetRows(target).size() == 498);
    }
}
