package io.sluice.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * An AMQP 0-9-1 broker inside this JVM: Apache Qpid Broker-J with an in-memory store, listening on loopback, user
 * guest/guest. For the quickstart and for machines without RabbitMQ. It is not RabbitMQ: declare queues without
 * RabbitMQ's arguments ({@code sluice.amqp.queue-kind=plain}). Qpid is loaded by its own class loader that adapts it
 * to JDK 24+ (see {@link SubjectCompatClassLoader}); its classes are reached by reflection for that reason.
 */
public final class EmbeddedAmqpBroker implements AutoCloseable {

    private static final String USER = "guest";

    private final Object launcher;
    private final int port;

    private EmbeddedAmqpBroker(Object launcher, int port) {
        this.launcher = launcher;
        this.port = port;
    }

    /** Starts a broker on a free port; returns once it accepts connections. */
    public static EmbeddedAmqpBroker start() {
        return start(FreePorts.any());
    }

    /** Starts a broker on {@code port} (e.g. one a service already tries to reach); returns once it accepts. */
    public static EmbeddedAmqpBroker start(int port) {
        ClassLoader qpid = new SubjectCompatClassLoader("org.apache.qpid.", EmbeddedAmqpBroker.class.getClassLoader());
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // Qpid finds its plugins through the context class loader, and its threads inherit the one set here.
        thread.setContextClassLoader(qpid);
        try {
            Class<?> type = Class.forName("org.apache.qpid.server.SystemLauncher", true, qpid);
            Object launcher = type.getConstructor().newInstance();
            Map<String, Object> attributes = new HashMap<>();
            attributes.put("type", "Memory");
            attributes.put("initialConfigurationLocation", initialConfiguration());
            // Qpid's default ("classpath:system.properties") needs a URL handler that an executable jar hides.
            attributes.put("initialSystemPropertiesLocation", emptyFile().toString());
            attributes.put("startupLoggedToSystemOut", false);
            attributes.put(
                    "context",
                    Map.of(
                            "qpid.amqp_port",
                            String.valueOf(port),
                            "qpid.user",
                            USER,
                            "qpid.password",
                            USER,
                            "qpid.work_dir",
                            System.getProperty("java.io.tmpdir")));
            type.getMethod("startup", Map.class).invoke(launcher, attributes);
            EmbeddedAmqpBroker broker = new EmbeddedAmqpBroker(launcher, port);
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "embedded-amqp-stop"));
            return broker;
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("the embedded AMQP broker did not start: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Qpid Broker-J is not on the class path", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the embedded broker's configuration", e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * The broker's configuration as a file URL: Qpid reads it through {@code java.net.URL}, which does not know the
     * nested-jar URLs of an executable Spring Boot jar.
     */
    private static String initialConfiguration() throws IOException {
        try (InputStream in = EmbeddedAmqpBroker.class.getResourceAsStream("qpid-broker.json")) {
            if (in == null) {
                throw new IllegalStateException("qpid-broker.json is missing next to " + EmbeddedAmqpBroker.class);
            }
            Path file = Files.createTempFile("sluice-qpid-", ".json");
            file.toFile().deleteOnExit();
            Files.write(file, in.readAllBytes());
            return file.toUri().toString();
        }
    }

    private static Path emptyFile() throws IOException {
        Path file = Files.createTempFile("sluice-qpid-", ".properties");
        file.toFile().deleteOnExit();
        return file;
    }

    public int port() {
        return port;
    }

    /** {@code amqp://guest:guest@127.0.0.1:<port>/}. */
    public URI uri() {
        return URI.create("amqp://" + USER + ":" + USER + "@127.0.0.1:" + port + "/");
    }

    @Override
    public synchronized void close() {
        try {
            launcher.getClass().getMethod("shutdown").invoke(launcher);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // stopping twice (close, then the shutdown hook) is harmless
        }
    }
}
