package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Row;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A transaction far larger than the getter's heap: the getter runs in its own JVM with a 256 MiB heap, and a
 * multi-million-row transaction must come through whole, never held in memory at once.
 */
class LargeTransactionIT {

    /** 5 million by default; {@code -Dsluice.e2e.large-transaction-rows=…} to change it. */
    private static final int ROWS = Integer.getInteger("sluice.e2e.large-transaction-rows", 5_000_000);

    private final TestDatabase source = TestPostgres.get().newDatabase("large_source");
    private final TestDatabase state = TestPostgres.get().newDatabase("large_state");
    private final String prefix = RabbitBroker.uniquePrefix("large");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final BatchMessages messages = new BatchMessages(new BatchCodec(), 4 * 1024 * 1024);

    @Test
    void aTransactionLargerThanTheGettersHeapArrivesWhole() throws Exception {
        source.execute("CREATE TABLE feed_log (id int8 PRIMARY KEY, c1 int, c2 int, info text, crt_time timestamp)");
        try (ServiceProcess getter = ServiceProcess.start(
                        "getter",
                        "256m",
                        List.of(GetterArgs.of(
                                prefix, source, state, "--sluice.getter.cdc.sources[0].snapshot-mode=never")));
                Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> source.queryLong("SELECT count(*) FROM pg_replication_slots WHERE active AND"
                                    + " slot_name = '" + source.name() + "'")
                            == 1);
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> source.execute(
                    "INSERT INTO feed_log SELECT i, i % 1000, i % 7, md5(i::text), timestamp '2026-11-30'"
                            + " + i * interval '1 millisecond' FROM generate_series(1, " + ROWS + ") i"));

            BitSet seen = new BitSet(ROWS + 1);
            Set<Long> commitLsns = new HashSet<>();
            long received = 0;
            double heapMax = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
            while (received < ROWS) {
                assertThat(getter.alive())
                        .as("the getter must not run out of its 256 MiB heap")
                        .isTrue();
                assertThat(System.nanoTime()).as("all rows within 8 minutes").isLessThan(deadline);
                GetResponse response = channel.basicGet(names.handlerQueue(), true);
                if (response == null) {
                    heapMax = Math.max(heapMax, getter.metric("jvm_memory_used_bytes", "area=\"heap\""));
                    Thread.sleep(50);
                    continue;
                }
                ChangeBatch batch = messages.fromBody(
                        response.getBody(), response.getProps().getContentEncoding());
                for (Row row : batch.rows()) {
                    seen.set(Integer.parseInt(row.values().get(0)));
                    commitLsns.add(row.lsn());
                    received++;
                }
            }
            write.join();
            assertThat(seen.cardinality()).isEqualTo(ROWS);
            assertThat(commitLsns).as("one transaction, one commit version").hasSize(1);
            assertThat(heapMax).isLessThan(256.0 * 1024 * 1024);
        } finally {
            RabbitBroker.get().delete(names.queues(), names.exchanges());
        }
    }
}
