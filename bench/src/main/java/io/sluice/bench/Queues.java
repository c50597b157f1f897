package io.sluice.bench;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.IntFunction;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/** Queue plumbing the stage benchmarks share: pre-filling an exchange, waiting for consumers and for a counter. */
final class Queues {

    private Queues() {}

    /** Publishes {@code count} batches made by {@code batch} to an exchange, each under its routing key. */
    static void fill(
            RabbitBroker broker,
            BatchMessages messages,
            String exchange,
            IntFunction<ChangeBatch> batch,
            int count,
            java.util.function.Function<ChangeBatch, String> routingKey) {
        CachingConnectionFactory factory = new CachingConnectionFactory(broker.host(), broker.port());
        factory.setUsername(broker.username());
        factory.setPassword(broker.password());
        factory.setVirtualHost(broker.virtualHost());
        // Confirmed: a quorum queue may drop what a channel closed right after publishing had not handed over yet, and
        // a benchmark waiting for rows that never came hung for good.
        factory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.SIMPLE);
        try {
            new RabbitTemplate(factory).invoke(channel -> {
                for (int i = 0; i < count; i++) {
                    ChangeBatch b = batch.apply(i);
                    for (Message message : messages.toMessages(b)) {
                        channel.send(exchange, routingKey.apply(b), message);
                    }
                }
                channel.waitForConfirmsOrDie(120_000);
                return null;
            });
        } finally {
            factory.destroy();
        }
    }

    /** Empties a queue between two measurements. */
    static void purge(RabbitBroker broker, String queue) {
        try (Connection connection = broker.newConnection();
                Channel channel = connection.createChannel()) {
            channel.queuePurge(queue);
        } catch (Exception e) {
            System.err.println("purge of " + queue + " failed: " + e.getMessage());
        }
    }

    /** Deletes a benchmark's queues and exchanges (a default topology under its prefix). */
    static void deleteTopology(RabbitBroker broker, String prefix) {
        io.sluice.common.amqp.Topology topology = new io.sluice.common.amqp.Topology(prefix, List.of("warehouse"));
        broker.delete(topology.queues(), topology.exchanges());
    }

    /** Waits until this many consumers read the queue; returns the time they were all there. */
    static long awaitConsumers(RabbitBroker broker, String queue, int consumers) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        try (Connection connection = broker.newConnection()) {
            while (true) {
                try (Channel channel = connection.createChannel()) {
                    if (channel.queueDeclarePassive(queue).getConsumerCount() >= consumers) {
                        return System.nanoTime();
                    }
                } catch (IOException e) {
                    // not declared yet: the service is still starting
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("nobody started consuming " + queue);
                }
                Thread.sleep(10);
            }
        }
    }

    /** When a count was reached, and the count then (it may have passed the mark between two looks). */
    record Reached(long nanos, double count) {}

    /** Waits until the processes' counters (summed) reach {@code rows}. */
    static Reached awaitCount(List<ServiceProcess> processes, long rows, String metric, String... filters)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        double seen;
        do {
            seen = 0;
            for (ServiceProcess process : processes) {
                if (!process.alive()) {
                    throw new IllegalStateException("a service process died");
                }
                seen += process.metric(metric, filters);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("counted " + (long) seen + " of " + rows + " rows");
            }
            if (seen < rows) {
                Thread.sleep(20);
            }
        } while (seen < rows);
        return new Reached(System.nanoTime(), seen);
    }
}
