package io.sluice.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.metrics.SluiceMetric;
import io.sluice.common.pg.TableName;
import io.sluice.handler.pipeline.PipelineConfigException;
import io.sluice.handler.pipeline.ShardHash;
import io.sluice.testkit.RabbitBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.context.ConfigurableApplicationContext;

/** The handler with a pipeline file, between real exchanges: shaped rows go on, rejected rows are dead-lettered. */
class HandlerPipelineIT {

    private final String prefix = RabbitBroker.uniquePrefix("handler");
    private final Topology names = new Topology(prefix, List.of("warehouse", "lake"));
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);
    private ConfigurableApplicationContext handler;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (handler != null) {
            handler.close();
        }
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void rowsAreShapedAndARowAStepCannotHandleIsDeadLetteredWithStepColumnAndReason() throws Exception {
        Path file = dir.resolve("pipelines.yml");
        Files.writeString(file, """
                pipelines:
                  public.users:
                    - rename: {name: full_name}
                    - cast: {age: integer}
                    - mask: {email: redact}
                """);
        handler = start(file);
        ChangeBatch batch = new ChangeBatch(
                "crm",
                Origin.CDC,
                new TableName("public", "users"),
                List.of(
                        new Column("id", "bigint", true),
                        new Column("name", "text", false),
                        new Column("age", "text", false),
                        new Column("email", "text", false)),
                List.of(
                        new Row(Op.INSERT, 5, 1, Instant.now(), Arrays.asList("1", "Ann", "42", "a@x"), List.of()),
                        new Row(Op.INSERT, 5, 2, Instant.now(), Arrays.asList("2", "Bob", "old", "b@x"), List.of())));

        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            publish(channel, batch);

            ChangeBatch shaped = messages.fromMessage(toMessage(poll(channel, names.loaderQueue("warehouse"))));
            assertThat(shaped.columns().stream().map(Column::name)).containsExactly("id", "full_name", "age", "email");
            assertThat(shaped.columns().get(2).type()).isEqualTo("integer");
            assertThat(shaped.rows())
                    .singleElement()
                    .satisfies(r -> assertThat(r.values()).containsExactly("1", "Ann", "42", "***"));

            GetResponse dead = poll(channel, names.deadLetterQueue(Topology.Stage.HANDLER));
            assertThat(dead.getProps()
                            .getHeaders()
                            .get(BatchMessages.HEADER_ERROR)
                            .toString())
                    .isEqualTo("step cast, column age: 'old' is not a valid integer");
            MeterRegistry meters = handler.getBean(MeterRegistry.class);
            assertThat(meters.counter(
                                    "sluice.handler.step.rows",
                                    "pipeline",
                                    "public.users",
                                    "step",
                                    "cast",
                                    "outcome",
                                    "dead")
                            .count())
                    .isEqualTo(1);
            // The stage's dead-letter counter too (what the alert reads), once the letter is confirmed.
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            meters.counter(SluiceMetric.DEAD_LETTERS.meter(), "stage", "handler", "reason", "rejected")
                                            .count()
                                    == 1);
            assertThat(messages.fromMessage(toMessage(dead)).rows())
                    .singleElement()
                    .satisfies(r -> assertThat(r.values().get(0)).isEqualTo("2"));
        }
    }

    @Test
    void aBatchBehindAnotherTablesHeadersIsReadAndShapedByItsOwnPipeline() throws Exception {
        Path file = dir.resolve("pipelines.yml");
        Files.writeString(file, """
                pipelines:
                  public.users:
                    - mask: {email: redact}
                """);
        handler = start(file);
        ChangeBatch users = new ChangeBatch(
                "crm",
                Origin.CDC,
                new TableName("public", "users"),
                List.of(new Column("id", "bigint", true), new Column("email", "text", false)),
                List.of(new Row(Op.INSERT, 5, 1, Instant.now(), List.of("1", "ann@example.com"), List.of())));
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            // Forged headers (and routing key) name a table without a pipeline; the body is public.users.
            Message forged = messages.toMessages(users).get(0);
            forged.getMessageProperties().setHeader(BatchMessages.HEADER_TABLE, "public.other");
            publish(channel, "crm.public.other", forged);
            GetResponse out = poll(channel, names.loaderQueue("warehouse"));
            assertThat(out.getEnvelope().getRoutingKey()).isEqualTo("warehouse.public.users");
            assertThat(out.getProps()
                            .getHeaders()
                            .get(BatchMessages.HEADER_TABLE)
                            .toString())
                    .isEqualTo("public.users");
            assertThat(messages.fromMessage(toMessage(out)).rows().getFirst().values())
                    .containsExactly("1", "***");

            // A body naming its table twice, first as the headers do: its start agrees, so it passes unread, and
            // every full read (the loader's) refuses it as malformed, so the unmasked value can never be loaded.
            String twice = new String(new BatchCodec().encode(users), java.nio.charset.StandardCharsets.UTF_8)
                    .replace("\"table\":\"public.users\"", "\"table\":\"public.other\",\"table\":\"public.users\"");
            Message doubled = messages.toMessages(users).get(0);
            doubled.getMessageProperties().setHeader(BatchMessages.HEADER_TABLE, "public.other");
            doubled.getMessageProperties().setContentEncoding(null);
            publish(
                    channel,
                    "crm.public.other",
                    new Message(
                            twice.getBytes(java.nio.charset.StandardCharsets.UTF_8), doubled.getMessageProperties()));
            GetResponse relayed = poll(channel, names.loaderQueue("warehouse"));
            assertThat(relayed.getBody()).isEqualTo(twice.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThatThrownBy(() -> messages.fromMessage(toMessage(relayed)))
                    .isInstanceOf(io.sluice.common.batch.MalformedBatchException.class)
                    .hasMessageContaining("'table' appears twice");
        }
    }

    @Test
    void aRouteSendsATableToChosenTargetsUnderAnotherName() throws Exception {
        Path file = dir.resolve("pipelines.yml");
        Files.writeString(file, """
                pipelines:
                  public.*:
                    - route: {targets: [lake], table: raw.events}
                """);
        handler = start(file);
        ChangeBatch batch = new ChangeBatch(
                "app",
                Origin.CDC,
                new TableName("public", "events"),
                List.of(new Column("id", "bigint", true)),
                List.of(new Row(Op.INSERT, 5, 1, Instant.now(), List.of("1"), List.of())));
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            publish(channel, batch);
            GetResponse out = poll(channel, names.loaderQueue("lake"));
            assertThat(out.getEnvelope().getRoutingKey()).isEqualTo("lake.raw.events");
            assertThat(messages.fromMessage(toMessage(out)).table()).isEqualTo(new TableName("raw", "events"));
            Thread.sleep(500);
            assertThat(channel.messageCount(names.loaderQueue("warehouse"))).isZero();
        }
    }

    @Test
    void aShardStepSendsEveryKeyToExactlyOneTargetByItsHashDeletesIncluded() throws Exception {
        Path file = dir.resolve("pipelines.yml");
        Files.writeString(file, """
                pipelines:
                  public.orders:
                    - shard: {targets: [warehouse, lake]}
                """);
        handler = start(file);
        List<Row> rows = new java.util.ArrayList<>();
        for (int id = 1; id <= 200; id++) {
            rows.add(new Row(Op.INSERT, 5, id, Instant.now(), List.of(Integer.toString(id), "x"), List.of()));
        }
        for (int id = 1; id <= 200; id += 10) {
            rows.add(new Row(
                    Op.DELETE, 6, id, Instant.now(), java.util.Arrays.asList(Integer.toString(id), null), List.of()));
        }
        ChangeBatch batch = new ChangeBatch(
                "app",
                Origin.CDC,
                new TableName("public", "orders"),
                List.of(new Column("id", "bigint", true), new Column("note", "text", false)),
                rows);
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            publish(channel, batch);
            java.util.Map<String, String> shardOf = new java.util.HashMap<>();
            int received = 0;
            while (received < rows.size()) {
                for (String target : List.of("warehouse", "lake")) {
                    GetResponse out = channel.basicGet(names.loaderQueue(target), true);
                    if (out == null) {
                        continue;
                    }
                    for (Row row : messages.fromMessage(toMessage(out)).rows()) {
                        String id = row.values().get(0);
                        String before = shardOf.putIfAbsent(id, target);
                        assertThat(before)
                                .as("key " + id + " on one shard only")
                                .isIn(null, target);
                        assertThat(target)
                                .as("key " + id)
                                .isEqualTo(List.of("warehouse", "lake").get(ShardHash.of(List.of(id), 2)));
                        received++;
                    }
                }
                if (received < rows.size()) {
                    await().pollDelay(Duration.ZERO)
                            .atMost(Duration.ofSeconds(10))
                            .until(() -> channel.messageCount(names.loaderQueue("warehouse"))
                                            + channel.messageCount(names.loaderQueue("lake"))
                                    > 0);
                }
            }
            assertThat(shardOf).hasSize(200);
            assertThat(shardOf.values()).contains("warehouse", "lake");
        }
    }

    @Test
    void rowsOfAShardThisHandlerLacksOrWithoutTheirShardKeyAreDeadLetteredSayingWhy() throws Exception {
        Path file = dir.resolve("pipelines.yml");
        Files.writeString(file, """
                pipelines:
                  public.orders:
                    - shard: {targets: [warehouse, nowhere]}
                  public.items:
                    - shard: {targets: [warehouse, lake]}
                    - drop: [id]
                """);
        handler = start(file);
        List<Column> columns = List.of(new Column("id", "bigint", true), new Column("note", "text", false));
        List<Row> rows = new java.util.ArrayList<>();
        for (int id = 1; id <= 40; id++) {
            rows.add(new Row(Op.INSERT, 5, id, Instant.now(), List.of(Integer.toString(id), "x"), List.of()));
        }
        long toNowhere = rows.stream()
                .filter(r -> ShardHash.of(List.of(r.values().get(0)), 2) == 1)
                .count();
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            publish(channel, new ChangeBatch("app", Origin.CDC, new TableName("public", "orders"), columns, rows));
            GetResponse dead = poll(channel, names.deadLetterQueue(Topology.Stage.HANDLER));
            assertThat(dead.getProps()
                            .getHeaders()
                            .get(BatchMessages.HEADER_ERROR)
                            .toString())
                    .isEqualTo("shard: nowhere is not a target of this handler [warehouse, lake]");
            assertThat(messages.fromMessage(toMessage(dead)).rows())
                    .hasSize((int) toNowhere)
                    .allSatisfy(r -> assertThat(ShardHash.of(List.of(r.values().get(0)), 2))
                            .isEqualTo(1));
            assertThat(messages.fromMessage(toMessage(poll(channel, names.loaderQueue("warehouse"))))
                            .rows())
                    .hasSize(rows.size() - (int) toNowhere);

            publish(channel, new ChangeBatch("app", Origin.CDC, new TableName("public", "items"), columns, rows));
            GetResponse keyless = poll(channel, names.deadLetterQueue(Topology.Stage.HANDLER));
            assertThat(keyless.getProps()
                            .getHeaders()
                            .get(BatchMessages.HEADER_ERROR)
                            .toString())
                    .startsWith("shard: the shard key [id] is not in the shaped batch's columns [note]");
            assertThat(messages.fromMessage(toMessage(keyless)).rows()).hasSize(rows.size());
        }
    }

    /** The pipelines file the Kubernetes base ships starts the handler and masks what it says it masks. */
    @Test
    void theShippedKubernetesPipelinesFileRunsAsWritten() throws Exception {
        handler = start(Path.of("..", "k8s", "base", "handler", "pipelines.yaml"));
        ChangeBatch batch = new ChangeBatch(
                "crm",
                Origin.CDC,
                new TableName("public", "users"),
                List.of(
                        new Column("id", "bigint", true),
                        new Column("email", "text", false),
                        new Column("phone", "text", false),
                        new Column("notes", "text", false),
                        new Column("internal_flag", "boolean", false)),
                List.of(new Row(
                        Op.INSERT,
                        5,
                        1,
                        Instant.now(),
                        Arrays.asList("1", "ann@example.com", "+86 138 0013 8000", "likes tea", "t"),
                        List.of())));
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            publish(channel, batch);
            ChangeBatch shaped = messages.fromMessage(toMessage(poll(channel, names.loaderQueue("warehouse"))));
            assertThat(shaped.columns().stream().map(Column::name)).containsExactly("id", "email", "phone", "notes");
            List<String> values = shaped.rows().getFirst().values();
            assertThat(values.get(1)).hasSize(64).doesNotContain("ann");
            assertThat(values.get(2)).endsWith("8000").doesNotContain("138");
            assertThat(values.get(3)).isNotEqualTo("likes tea");
        }
    }

    @Test
    void aBadPipelineFileStopsStartUpSayingWhereAndWhy() throws Exception {
        Path file = dir.resolve("bad.yml");
        Files.writeString(file, """
                pipelines:
                  public.users:
                    - cast: {age: color}
                """);
        assertThatThrownBy(() -> HandlerApplication.create()
                        .run(RabbitBroker.get().serviceArgs(prefix, "--sluice.handler.pipelines=" + file)))
                .rootCause()
                .isInstanceOf(PipelineConfigException.class)
                .hasMessageContaining("bad.yml:3")
                .hasMessageContaining("cannot cast age to 'color'");
    }

    private ConfigurableApplicationContext start(Path pipelines) {
        return HandlerApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--sluice.amqp.targets=warehouse,lake",
                                "--sluice.handler.pipelines=" + pipelines));
    }

    private void publish(Channel channel, ChangeBatch batch) throws Exception {
        publish(
                channel,
                Topology.rawRoutingKey(batch.source(), batch.table()),
                messages.toMessages(batch).get(0));
    }

    private void publish(Channel channel, String routingKey, Message message) throws Exception {
        channel.basicPublish(
                names.rawExchange(),
                routingKey,
                new com.rabbitmq.client.AMQP.BasicProperties.Builder()
                        .contentType(BatchCodec.CONTENT_TYPE)
                        .contentEncoding(message.getMessageProperties().getContentEncoding())
                        .headers(message.getMessageProperties().getHeaders())
                        .build(),
                message.getBody());
    }

    private static Message toMessage(GetResponse response) {
        MessageProperties properties = new MessageProperties();
        properties.setContentType(response.getProps().getContentType());
        properties.setContentEncoding(response.getProps().getContentEncoding());
        response.getProps().getHeaders().forEach(properties::setHeader);
        return new Message(response.getBody(), properties);
    }

    private static GetResponse poll(Channel channel, String queue) {
        AtomicReference<GetResponse> got = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            got.set(channel.basicGet(queue, true));
            return got.get() != null;
        });
        return got.get();
    }
}
