package io.sluice.getter.files;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.amqp.Topology.Stage;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Row;
import io.sluice.getter.GetterApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceArgs;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/** Getters reading one file source on a fresh state database and topology, with a test's view of the queues. */
final class FilesFixture implements AutoCloseable {

    final TestDatabase state = TestPostgres.get().newDatabase("files_state");
    final String prefix = RabbitBroker.uniquePrefix("files");
    final Topology names = new Topology(prefix, List.of("warehouse"));
    final Path inbox;
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);
    private final Connection connection = RabbitBroker.get().newConnection();
    private final Channel channel;
    private final List<ConfigurableApplicationContext> getters = new ArrayList<>();

    FilesFixture(Path directory) throws Exception {
        inbox = Files.createDirectories(directory.resolve("inbox"));
        channel = connection.createChannel();
    }

    /** A getter for source {@code partners}: CSV orders(id key, amount numeric, note) from the inbox. */
    ConfigurableApplicationContext start(String... extra) {
        ConfigurableApplicationContext getter = GetterApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                ServiceArgs.merge(
                                        new String[] {
                                            "--sluice.getter.cdc.enabled=false",
                                            "--spring.datasource.url=" + state.jdbcUrl(),
                                            "--sluice.getter.files.poll-interval=100ms",
                                            "--sluice.getter.files.sources[0].name=partners",
                                            "--sluice.getter.files.sources[0].directory=" + inbox,
                                            "--sluice.getter.files.sources[0].marker=.done",
                                            "--sluice.getter.files.sources[0].table=shop.orders",
                                            "--sluice.getter.files.sources[0].columns=id,amount,note",
                                            "--sluice.getter.files.sources[0].key=id",
                                            "--sluice.getter.files.sources[0].types.id=int8",
                                            "--sluice.getter.files.sources[0].types.amount=numeric(12,2)"
                                        },
                                        extra)));
        getters.add(getter);
        return getter;
    }

    /** Drops a complete file into the inbox: content first, then its marker. */
    Path drop(String name, byte[] content) throws Exception {
        Path file = Files.write(inbox.resolve(name), content);
        Files.writeString(inbox.resolve(name + ".done"), "");
        return file;
    }

    /** The ledger's {@code state: reason} of a file, or null before it is registered. */
    String ledgerState(String path) {
        List<List<Object>> rows = state.query(
                "SELECT state || coalesce(': ' || reason, '') FROM sluice.files WHERE path = '" + path + "'");
        return rows.isEmpty() ? null : (String) rows.get(0).get(0);
    }

    /** Every row waiting on the handler queue now, with its batch's table. */
    List<ChangeBatch> drainBatches() throws Exception {
        List<ChangeBatch> batches = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(names.handlerQueue(), true)) != null) {
            batches.add(
                    messages.fromBody(response.getBody(), response.getProps().getContentEncoding()));
        }
        return batches;
    }

    /** The text, gzip-compressed. */
    static byte[] gzip(String text) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(bytes)) {
            out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    static List<Row> rows(List<ChangeBatch> batches) {
        return batches.stream().flatMap(b -> b.rows().stream()).toList();
    }

    /** Every dead letter of the getter waiting now. */
    List<GetResponse> drainDeadLetters() throws Exception {
        List<GetResponse> dead = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(names.deadLetterQueue(Stage.GETTER), true)) != null) {
            dead.add(response);
        }
        return dead;
    }

    @Override
    public void close() throws Exception {
        getters.reversed().forEach(ConfigurableApplicationContext::close);
        connection.close();
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }
}
