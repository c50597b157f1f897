package io.sluice.quickstart;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * {@code --keep}: the run's summary is printed and everything stays up until Ctrl-C or Enter. Ctrl-C runs the JVM's
 * shutdown hooks while the main thread waits here, so the hook releases it and then waits for the run's clean-up
 * (services stopped, embedded servers removed) before the JVM goes.
 */
final class Keep {

    private static final CountDownLatch CLEANED = new CountDownLatch(1);

    private Keep() {}

    /** Waits for Ctrl-C, or a line on the terminal; end of input (no terminal) is not a stop. */
    static void untilStopped(
            Infrastructure infrastructure, Display display, BiConsumer<Infrastructure, Display> lookInside)
            throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stop.countDown();
                            try {
                                CLEANED.await(60, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "quickstart-keep"));
        Thread enter = new Thread(
                () -> {
                    try {
                        BufferedReader in =
                                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                        if (in.readLine() != null) {
                            stop.countDown();
                        }
                    } catch (IOException e) {
                        // no terminal to read: Ctrl-C only
                    }
                },
                "quickstart-enter");
        enter.setDaemon(true);
        enter.start();
        display.say("");
        display.say("Still running (--keep): the pipeline goes on streaming what changes in the source.");
        lookInside.accept(infrastructure, display);
        display.say("  Ctrl-C or Enter stops it and removes the embedded servers.");
        stop.await();
        display.say("stopping");
    }

    /** Called once the run has cleaned up, so that a Ctrl-C during {@link #untilStopped} lets the JVM go. */
    static void cleanedUp() {
        CLEANED.countDown();
    }
}
