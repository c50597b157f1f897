package io.sluice.getter;

import java.util.List;
import java.util.function.Consumer;
import org.springframework.context.SmartLifecycle;

/**
 * A group of workers started with the application and stopped with it, all at once (each stop may wait for its
 * in-flight work, so they stop in parallel).
 */
public class Workers<T> implements SmartLifecycle {

    private final List<T> members;
    private final Consumer<T> start;
    private final Consumer<T> stop;
    private volatile boolean running;

    protected Workers(List<T> members, Consumer<T> start, Consumer<T> stop) {
        this.members = List.copyOf(members);
        this.start = start;
        this.stop = stop;
    }

    @Override
    public void start() {
        members.forEach(start);
        running = true;
    }

    @Override
    public void stop() {
        members.parallelStream().forEach(stop);
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    protected List<T> members() {
        return members;
    }
}
