package io.sluice.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A TCP port nobody listens on right now, for a server this kit starts (PostgreSQL, the broker, Prometheus, a service).
 * Taken below Linux's ephemeral range (32768–60999), where the many outgoing connections of a test (AMQP, JDBC) get
 * their local ports: a port from "bind to 0" lies inside it and can be taken by such a connection before the server
 * binds it, and the server then fails to start. A port is not handed out twice in one run.
 */
public final class FreePorts {

    private static final int LOW = 20_000;
    private static final int HIGH = 32_000;
    private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

    private FreePorts() {}

    public static int any() {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOW, HIGH);
            if (handedOut.contains(port)) {
                continue;
            }
            try (ServerSocket ignored = new ServerSocket(port)) { // every interface, as the servers bind
                if (handedOut.add(port)) {
                    return port;
                }
            } catch (IOException taken) {
                // someone listens there: try another
            }
        }
        throw new UncheckedIOException(new IOException("no free port between " + LOW + " and " + HIGH));
    }
}
