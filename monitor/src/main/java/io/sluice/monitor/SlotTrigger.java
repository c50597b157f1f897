package io.sluice.monitor;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.scheduling.Trigger;
import org.springframework.scheduling.TriggerContext;
import org.springframework.scheduling.support.CronTrigger;

/**
 * A cron trigger that remembers the time the run under way was due, its slot: the scheduler asks for the next
 * execution before each run, so while a run goes on {@link #current} is the cron time it belongs to, however late it
 * started. Replicas on the same schedule agree on it, where they would not on the moment each one got to the work.
 */
final class SlotTrigger implements Trigger {

    private final CronTrigger cron;
    private final AtomicReference<Instant> scheduled = new AtomicReference<>();

    SlotTrigger(String expression) {
        this.cron = new CronTrigger(expression);
    }

    @Override
    public Instant nextExecution(TriggerContext context) {
        Instant next = cron.nextExecution(context);
        scheduled.set(next);
        return next;
    }

    /** The slot of the run under way. */
    Instant current() {
        return scheduled.get();
    }
}
