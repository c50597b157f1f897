package io.sluice.common.pause;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.amqp.Topology;
import io.sluice.common.metrics.SluiceMetric;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Whether this replica's stage is paused: it stops consuming (handler, loader) or capturing (getter) and keeps its
 * position — the queues hold their messages, the slot its confirmed LSN. Shown as {@code sluice_paused{stage}} (1
 * while paused) and {@code sluice_paused_since_timestamp_seconds{stage}}, in health, and at {@code GET /pause}. A pause
 * lasts until resumed or until the process restarts.
 */
public final class StagePause {

    private final Topology.Stage stage;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private volatile Instant since;

    public StagePause(Topology.Stage stage, MeterRegistry meters) {
        this.stage = stage;
        SluiceMetric.PAUSED
                .gauge(this, p -> p.paused() ? 1 : 0)
                .tag("stage", stage.id())
                .register(meters);
        SluiceMetric.PAUSED_SINCE
                .gauge(this, p -> p.since == null ? 0 : p.since.toEpochMilli() / 1000.0)
                .tag("stage", stage.id())
                .register(meters);
    }

    public Topology.Stage stage() {
        return stage;
    }

    public boolean paused() {
        return since != null;
    }

    /** When the pause began, or null. */
    public Instant since() {
        return since;
    }

    /** Called with {@code true} on a pause and {@code false} on a resume, on the caller's thread. */
    public void onChange(Consumer<Boolean> listener) {
        listeners.add(listener);
    }

    /** A pause stops {@code consumer} (a listener container: it finishes its messages in hand), a resume starts it. */
    public void controls(org.springframework.context.Lifecycle consumer) {
        onChange(paused -> {
            if (paused) {
                consumer.stop();
            } else {
                consumer.start();
            }
        });
    }

    /** Pauses; a second pause changes nothing. Returns whether this call paused. */
    public synchronized boolean pause() {
        if (paused()) {
            return false;
        }
        since = Instant.now();
        listeners.forEach(l -> l.accept(true));
        return true;
    }

    /** Resumes; returns whether it was paused. */
    public synchronized boolean resume() {
        if (!paused()) {
            return false;
        }
        since = null;
        listeners.forEach(l -> l.accept(false));
        return true;
    }
}
