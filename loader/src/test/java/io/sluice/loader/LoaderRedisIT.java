package io.sluice.loader;

import static io.sluice.loader.AccountChanges.ACCOUNTS;
import static io.sluice.loader.AccountChanges.COLUMNS;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.testkit.ActuatorProbe;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TestRedis;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** The loader's Redis sink against the machine's Redis: versioned writes converge, deletes remove keys, bad keys die. */
class LoaderRedisIT {

    static final TableName ITEMS = new TableName("shop", "items");
    static final List<Column> ITEM_COLUMNS = List.of(
            new Column("sku", "text", true), new Column("name", "text", false), new Column("doc", "text", false));

    final TestRedis redis = TestRedis.require();
    final String prefix = RabbitBroker.uniquePrefix("redis");
    LettuceConnectionFactory connections;
    StringRedisTemplate template;
    LoaderFixture fixture;

    @BeforeEach
    void start() {
        connections = new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.host(), redis.port()));
        connections.afterPropertiesSet();
        template = new StringRedisTemplate(connections);
        fixture = new LoaderFixture("jdbc:postgresql://unused/since-the-sink-is-redis");
        fixture.startLoader(
                "--sluice.loader.sink=redis",
                "--sluice.loader.allowed-targets=public.accounts,shop.*",
                "--spring.data.redis.url=" + redis.url(),
                "--sluice.loader.redis.key=" + prefix + ":{table}:{key}",
                "--sluice.loader.redis.tombstone-ttl=1h",
                "--sluice.loader.redis.tables[shop.items].value=json",
                "--sluice.loader.redis.tables[shop.items].ttl=10m",
                "--sluice.loader.redis.tables[shop.items].key=" + prefix + ":item:{sku}");
    }

    @AfterEach
    void stop() {
        fixture.close();
        for (String key : keys(prefix + ":*")) {
            template.delete(key);
            template.delete("sluice:version:{" + key + "}");
            template.delete("sluice:gaps:{" + key + "}");
        }
        connections.destroy();
    }

    @Test
    void duplicatedAndShuffledBatchesEndWithEveryKeyEqualToTheLatestRowAndDeletedKeysGone() {
        Random random = new Random(11);
        AccountChanges changes = AccountChanges.generate(random, 300, 40);
        changes.deliveries(random).forEach(fixture::send);
        fixture.awaitQueueEmpty();

        assertThat(accounts()).isEqualTo(changes.expected());
        for (long id = 1; id <= 300; id++) {
            if (!changes.expected().containsKey(id)) {
                String version = "sluice:version:{" + accountKey(id) + "}";
                assertThat(template.hasKey(version)).as("tombstone of %d", id).isTrue();
                assertThat(template.getExpire(version))
                        .as("tombstone TTL of %d", id)
                        .isPositive();
            }
        }
        // A late copy of the oldest changes must not move anything once everything has landed.
        changes.batches().subList(0, 10).forEach(fixture::send);
        fixture.awaitQueueEmpty();
        assertThat(accounts()).isEqualTo(changes.expected());
    }

    @Test
    void aLateOlderChangeNeitherRevivesADeletedKeyNorOverwritesANewerValueAndANullFieldIsRemoved() {
        fixture.send(account(Op.INSERT, 100, "1", "10.00", "ann"));
        fixture.send(account(Op.DELETE, 300, "1", null, null));
        fixture.send(account(Op.INSERT, 100, "2", "20.00", "bob"));
        fixture.send(account(Op.UPDATE, 300, "2", "21.00", null));
        fixture.awaitQueueEmpty();
        fixture.send(account(Op.UPDATE, 200, "1", "11.00", "late"));
        fixture.send(account(Op.UPDATE, 200, "2", "99.00", "late"));
        fixture.awaitQueueEmpty();

        assertThat(template.hasKey(accountKey(1))).isFalse();
        assertThat(template.<String, String>opsForHash().entries(accountKey(2)))
                .isEqualTo(Map.of("id", "2", "balance", "21.00"));

        fixture.send(account(Op.INSERT, 400, "1", "12.00", "ann again"));
        fixture.awaitQueueEmpty();
        assertThat(template.<String, String>opsForHash().entries(accountKey(1)))
                .isEqualTo(Map.of("id", "1", "balance", "12.00", "owner", "ann again"));
    }

    @Test
    void aTableCanHaveItsOwnTemplateJsonValuesAndTtlAndAnUnchangedToastValueIsKept() {
        fixture.send(item(Op.INSERT, 100, List.of(), "A-1", "lamp", "{\"big\": \"document\"}"));
        fixture.awaitQueueEmpty();
        fixture.send(item(Op.UPDATE, 200, List.of(2), "A-1", "desk lamp", null));
        fixture.awaitQueueEmpty();

        String key = prefix + ":item:A-1";
        assertThat(json(key)).isEqualTo(Map.of("sku", "A-1", "name", "desk lamp", "doc", "{\"big\": \"document\"}"));
        assertThat(template.getExpire(key)).isBetween(1L, 600L);

        fixture.send(item(Op.DELETE, 300, List.of(), "A-1", null, null));
        fixture.awaitQueueEmpty();
        assertThat(template.hasKey(key)).isFalse();
    }

    @Test
    void anUpdateWithAnUnchangedToastValueThatOvertakesItsInsertGetsTheValueWhenTheInsertArrives() {
        fixture.send(item(Op.UPDATE, 300, List.of(2), "B-2", "newest name", null));
        fixture.awaitQueueEmpty();
        String key = prefix + ":item:B-2";
        assertThat(json(key)).isEqualTo(Map.of("sku", "B-2", "name", "newest name"));

        fixture.send(item(Op.UPDATE, 200, List.of(), "B-2", "older name", "doc of 200"));
        fixture.send(item(Op.INSERT, 100, List.of(), "B-2", "first name", "doc of 100"));
        fixture.awaitQueueEmpty();
        // Each is older than the stored name; the newer of the two holds the value the unchanged column kept.
        assertThat(json(key)).isEqualTo(Map.of("sku", "B-2", "name", "newest name", "doc", "doc of 200"));
    }

    @Test
    void rowsWithoutAKeyValueAndTablesWhoseTemplateNamesNoColumnAreDeadLetteredWithTheReason() {
        fixture.send(new ChangeBatch(
                "bank",
                Origin.CDC,
                ACCOUNTS,
                COLUMNS,
                List.of(
                        new Row(Op.INSERT, 10, 1, Instant.now(), Arrays.asList("5", "1.00", "eve"), List.of()),
                        new Row(Op.INSERT, 10, 2, Instant.now(), Arrays.asList(null, "2.00", "nokey"), List.of()))));
        Message dead = fixture.deadLetter(Duration.ofSeconds(20));
        assertThat(dead).isNotNull();
        assertThat(fixture.decode(dead).rows()).hasSize(1);
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR))
                .contains("NULL");

        TableName other = new TableName("shop", "notes");
        fixture.send(new ChangeBatch(
                "bank",
                Origin.CDC,
                other,
                List.of(new Column("body", "text", false)),
                List.of(new Row(Op.INSERT, 10, 1, Instant.now(), List.of("no key"), List.of()))));
        dead = fixture.deadLetter(Duration.ofSeconds(20));
        assertThat(dead).isNotNull();
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR))
                .contains("{key}");
        assertThat(template.<String, String>opsForHash().entries(accountKey(5)))
                .isEqualTo(Map.of("id", "5", "balance", "1.00", "owner", "eve"));
    }

    /** A forged batch of a table outside the allow-list, or of Sluice's own schema, writes no key. */
    @Test
    void batchesOfTablesTheLoaderMayNotWriteAreDeadLetteredAndWriteNoKey() {
        for (TableName forged : List.of(new TableName("billing", "secrets"), new TableName("sluice", "secrets"))) {
            fixture.sendInsert(forged, List.of(new Column("id", "bigint", true)), 10, List.of("1"));
            assertThat(fixture.nextDeadLetterReason())
                    .contains(forged.toString())
                    .containsAnyOf("not an allowed target", "never writes");
        }
        fixture.awaitQueueEmpty();
        assertThat(keys(prefix + ":secrets:*")).isEmpty();
    }

    @Test
    void readinessChecksRedisAndNoDatabase() {
        ActuatorProbe probe = ActuatorProbe.of(fixture.loader().getEnvironment());
        assertThat(probe.status("/actuator/health/readiness")).isEqualTo(200);
        assertThat(fixture.loader().getEnvironment().getProperty("management.endpoint.health.group.readiness.include"))
                .isEqualTo("readinessState,rabbit,redis");
        assertThat(fixture.loader().getBeanNamesForType(DataSource.class)).isEmpty();
    }

    private Map<Long, List<String>> accounts() {
        Map<Long, List<String>> rows = new TreeMap<>();
        for (String key : keys(prefix + ":accounts:*")) {
            Map<String, String> hash = template.<String, String>opsForHash().entries(key);
            rows.put(
                    Long.parseLong(hash.get("id")),
                    Arrays.asList(hash.get("id"), hash.get("balance"), hash.get("owner")));
        }
        return rows;
    }

    private Map<String, Object> json(String key) {
        return JsonMapper.builder().build().readValue(template.opsForValue().get(key), new TypeReference<>() {});
    }

    private Set<String> keys(String pattern) {
        Set<String> keys = new TreeSet<>();
        try (Cursor<String> cursor = template.scan(
                ScanOptions.scanOptions().match(pattern).count(1000).build())) {
            cursor.forEachRemaining(keys::add);
        }
        return keys;
    }

    private String accountKey(long id) {
        return prefix + ":accounts:" + id;
    }

    private static ChangeBatch account(Op op, long lsn, String... values) {
        return new ChangeBatch(
                "bank",
                Origin.CDC,
                ACCOUNTS,
                COLUMNS,
                List.of(new Row(op, lsn, 1, Instant.now(), Arrays.asList(values), List.of())));
    }

    private static ChangeBatch item(Op op, long lsn, List<Integer> unchanged, String... values) {
        return new ChangeBatch(
                "shop",
                Origin.CDC,
                ITEMS,
                ITEM_COLUMNS,
                List.of(new Row(op, lsn, 1, Instant.now(), Arrays.asList(values), unchanged)));
    }
}
