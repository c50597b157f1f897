package io.sluice.common.amqp;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.metrics.SluiceMetric;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.amqp.rabbit.core.RabbitAdmin;

/**
 * Gauges of the topology's queues, as the broker reports them: messages ready ({@code sluice_queue_messages{queue}})
 * and consumers ({@code sluice_queue_consumers{queue}}). The broker is asked at most every few seconds however often
 * the gauges are read; an unreachable broker reads as NaN.
 */
public final class QueueDepthMetrics {

    private static final Duration FRESH = Duration.ofSeconds(5);

    private record Reading(long at, double messages, double consumers) {}

    private final RabbitAdmin admin;
    private final Map<String, Reading> readings = new ConcurrentHashMap<>();

    public QueueDepthMetrics(RabbitAdmin admin, Topology topology, MeterRegistry meters) {
        this.admin = admin;
        for (String queue : topology.queues()) {
            SluiceMetric.QUEUE_MESSAGES
                    .gauge(this, m -> m.read(queue).messages())
                    .tag("queue", queue)
                    .strongReference(true) // nothing else holds this object
                    .register(meters);
            SluiceMetric.QUEUE_CONSUMERS
                    .gauge(this, m -> m.read(queue).consumers())
                    .tag("queue", queue)
                    .strongReference(true) // nothing else holds this object
                    .register(meters);
        }
    }

    private Reading read(String queue) {
        long now = System.nanoTime();
        return readings.compute(queue, (q, last) -> {
            if (last != null && now - last.at() < FRESH.toNanos()) {
                return last;
            }
            try {
                QueueInformation info = admin.getQueueInfo(q);
                return info == null
                        ? new Reading(now, Double.NaN, Double.NaN)
                        : new Reading(now, info.getMessageCount(), info.getConsumerCount());
            } catch (AmqpException e) {
                return new Reading(now, Double.NaN, Double.NaN);
            }
        });
    }
}
