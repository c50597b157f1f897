package io.sluice.getter.cdc;

import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.pg.Lsn;
import io.sluice.getter.GetterApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceArgs;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/** A getter on a fresh source database and its own topology, with a test's view of the handler queue. */
final class GetterFixture implements AutoCloseable {

    final TestDatabase source = TestPostgres.get().newDatabase("getter_source");
    final TestDatabase state = TestPostgres.get().newDatabase("getter_state");
    final String prefix = RabbitBroker.uniquePrefix("getter");
    final Topology names = new Topology(prefix, List.of("warehouse"));
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);
    private final Connection connection = RabbitBroker.get().newConnection();
    final Channel channel;
    private ConfigurableApplicationContext getter;

    GetterFixture() throws Exception {
        channel = connection.createChannel();
    }

    /** Starts the getter on source {@code shop}, slot named after the database; extra arguments win. */
    void start(String... extra) {
        getter = GetterApplication.create().run(args(extra));
    }

    /** Another getter replica for the same source and slot. */
    Replica startReplica(String... extra) {
        return new Replica(GetterApplication.create().run(args(extra)));
    }

    /** A further getter replica, closed by the test. */
    record Replica(ConfigurableApplicationContext context) implements AutoCloseable {

        CaptureStatus.Phase phase() {
            return status().phase();
        }

        String lastError() {
            return status().lastError();
        }

        private CaptureStatus status() {
            return context.getBean(CdcConfiguration.ChangeCapture.class)
                    .runners()
                    .get(0)
                    .status();
        }

        @Override
        public void close() {
            context.close();
        }
    }

    /** The fixture's arguments; {@code extra} ones replace those of the same name. */
    private String[] args(String... extra) {
        return RabbitBroker.get()
                .serviceArgs(
                        prefix,
                        ServiceArgs.merge(
                                new String[] {
                                    "--sluice.getter.cdc.sources[0].url=" + source.jdbcUrl(),
                                    "--sluice.getter.cdc.sources[0].name=shop",
                                    "--sluice.getter.cdc.sources[0].slot=" + source.name(),
                                    "--spring.datasource.url=" + state.jdbcUrl(),
                                    "--sluice.getter.cdc.status-interval=200ms",
                                    "--sluice.getter.cdc.retry-backoff=200ms",
                                    "--sluice.getter.cdc.heartbeat-interval=200ms"
                                },
                                extra));
    }

    /** The running getter's actuator. */
    io.sluice.testkit.ActuatorProbe probe() {
        return io.sluice.testkit.ActuatorProbe.of(getter.getEnvironment());
    }

    /** The running getter's HTTP port. */
    int port() {
        return ((org.springframework.boot.web.server.context.WebServerApplicationContext) getter)
                .getWebServer()
                .getPort();
    }

    void awaitStreaming() {
        await().atMost(Duration.ofSeconds(30)).until(this::slotActive);
    }

    /** Waits until the publication holds these tables ({@code schema.table}), as the getter adds new ones. */
    void awaitPublished(String... tables) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> source.queryLong("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'sluice'"
                                + " AND schemaname || '.' || tablename = ANY ('{" + String.join(",", tables) + "}')")
                        == tables.length);
    }

    void stop() {
        if (getter != null) {
            getter.close();
            getter = null;
        }
    }

    boolean slotActive() {
        return source.queryLong("SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '"
                        + source.name() + "'")
                == 1;
    }

    long confirmedFlush() {
        Object lsn = source.queryValue(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '" + source.name() + "'");
        return Lsn.parse((String) lsn).value();
    }

    ChangeBatch nextBatch(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            GetResponse response = channel.basicGet(names.handlerQueue(), true);
            if (response != null) {
                return messages.fromBody(response.getBody(), response.getProps().getContentEncoding());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no batch on " + names.handlerQueue() + " within " + timeout);
    }

    /** Every batch waiting on the handler queue now. */
    List<ChangeBatch> drain() throws Exception {
        List<ChangeBatch> batches = new ArrayList<>();
        GetResponse response;
        while ((response = channel.basicGet(names.handlerQueue(), true)) != null) {
            batches.add(
                    messages.fromBody(response.getBody(), response.getProps().getContentEncoding()));
        }
        return batches;
    }

    @Override
    public void close() throws Exception {
        stop();
        connection.close();
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }
}
