package io.sluice.testkit;

import com.rabbitmq.client.Connection;
import io.sluice.embedded.AmqpEndpoint;
import io.sluice.embedded.EmbeddedAmqpBroker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/**
 * Finds the broker that tests talk to, in this order: {@code SLUICE_TEST_AMQP_URI} (a URI, or {@code embedded}); the
 * RabbitMQ on 127.0.0.1:5672 if it answers; a Testcontainers RabbitMQ when a Docker engine is present; otherwise the
 * {@link EmbeddedAmqpBroker} in this JVM, which is not RabbitMQ: tests of RabbitMQ-only features skip on it
 * ({@link #assumeRabbitMq}); where {@link Strictness} is strict (CI, which always has RabbitMQ) it fails instead of
 * falling back.
 */
public final class RabbitBroker {

    /** Environment variable naming a broker, e.g. {@code amqp://guest:guest@127.0.0.1:5672/}. */
    public static final String URI_VARIABLE = "SLUICE_TEST_AMQP_URI";

    private static final Logger log = LoggerFactory.getLogger(RabbitBroker.class);
    private static volatile RabbitBroker instance;

    private static final String EMBEDDED = "embedded";

    private final URI uri;
    private final boolean embedded;
    private final AmqpEndpoint endpoint;

    private RabbitBroker(URI uri, boolean embedded) {
        this.uri = uri;
        this.embedded = embedded;
        this.endpoint = new AmqpEndpoint(uri, embedded);
    }

    /** The broker for this JVM, located on first use. */
    public static RabbitBroker get() {
        if (instance == null) {
            synchronized (RabbitBroker.class) {
                if (instance == null) {
                    instance = locate();
                    log.info(
                            "tests use {} at {}",
                            instance.embedded ? "the embedded AMQP broker" : "RabbitMQ",
                            instance.uri.getHost() + ":" + instance.port());
                }
            }
        }
        return instance;
    }

    private static RabbitBroker locate() {
        String configured = System.getenv(URI_VARIABLE);
        if (EMBEDDED.equals(configured)) {
            return new RabbitBroker(EmbeddedAmqpBroker.start().uri(), true);
        }
        if (configured != null && !configured.isBlank()) {
            return new RabbitBroker(URI.create(configured), false);
        }
        if (answers("127.0.0.1", 5672)) {
            return new RabbitBroker(URI.create("amqp://guest:guest@127.0.0.1:5672/"), false);
        }
        if (dockerAvailable()) {
            RabbitMQContainer container = new RabbitMQContainer("rabbitmq:4-management");
            container.start();
            return new RabbitBroker(
                    URI.create(container.getAmqpUrl().replace("amqp://", "amqp://guest:guest@") + "/"), false);
        }
        if (Strictness.strict()) {
            throw new IllegalStateException("no RabbitMQ for the tests (" + Strictness.VARIABLE + " is set): set "
                    + URI_VARIABLE + " (amqp://user:pass@host:5672/), or start one on 127.0.0.1:5672"
                    + " (Debian: apt-get install rabbitmq-server && rabbitmq-server -detached),"
                    + " or run a Docker engine for Testcontainers");
        }
        log.warn("no RabbitMQ on 127.0.0.1:5672 and no Docker: tests use the embedded AMQP broker, and tests of"
                + " RabbitMQ-only features skip");
        return new RabbitBroker(EmbeddedAmqpBroker.start().uri(), true);
    }

    /** Whether this is the in-JVM broker rather than RabbitMQ. */
    public boolean embedded() {
        return embedded;
    }

    /** Skips the calling test, saying why, when the broker is not RabbitMQ. */
    public void assumeRabbitMq(String feature) {
        org.junit.jupiter.api.Assumptions.assumeFalse(
                embedded, "skipped: " + feature + " needs RabbitMQ, and the tests run on the embedded AMQP broker");
        // (Strict runs never get here embedded: the locator refuses to fall back.)
    }

    private static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    public String host() {
        return endpoint.host();
    }

    public int port() {
        return endpoint.port();
    }

    public String username() {
        return endpoint.username();
    }

    public String password() {
        return endpoint.password();
    }

    public String virtualHost() {
        return endpoint.virtualHost();
    }

    /** A name prefix no other test uses, so each test has its own exchanges and queues. */
    public static String uniquePrefix(String hint) {
        return "t-" + hint + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Spring Boot properties that point a service at this broker (and, on the embedded one, at plain queues). */
    public String[] springProperties() {
        return endpoint.springProperties();
    }

    /**
     * Command-line arguments that start a Sluice service on this broker, under its own topology prefix, with a random
     * HTTP port; {@code extra} arguments follow and win.
     */
    public String[] serviceArgs(String prefix, String... extra) {
        java.util.List<String> args = new java.util.ArrayList<>();
        for (String property : springProperties()) {
            args.add("--" + property);
        }
        args.add("--sluice.amqp.prefix=" + prefix);
        args.add("--server.port=0");
        args.add("--management.server.port=0");
        args.add("--sluice.security.token=" + ServiceArgs.TEST_TOKEN);
        return ServiceArgs.merge(args.toArray(String[]::new), extra);
    }

    /** The {@code sluice} command line's options that reach this broker and a topology of this prefix. */
    public java.util.List<String> cliArgs(String prefix) {
        return java.util.List.of(
                "--host", host(), "--port", String.valueOf(port()), "--prefix", prefix, "--vhost", virtualHost());
    }

    /** A plain client connection, for tests that read or purge queues directly. */
    public Connection newConnection() {
        return endpoint.newConnection("sluice-test");
    }

    /** Deletes queues and exchanges a test declared; names that do not exist are ignored. */
    public void delete(Iterable<String> queues, Iterable<String> exchanges) {
        endpoint.delete(queues, exchanges);
    }
}
