package io.sluice.testkit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.rabbitmq.RabbitMQContainer;

/**
 * Finds the RabbitMQ that tests talk to, in this order: {@code SLUICE_TEST_AMQP_URI}; the broker on 127.0.0.1:5672 if
 * it answers; a Testcontainers broker when a Docker engine is present; otherwise a failure that says how to get one.
 */
public final class RabbitBroker {

    /** Environment variable naming a broker, e.g. {@code amqp://guest:guest@127.0.0.1:5672/}. */
    public static final String URI_VARIABLE = "SLUICE_TEST_AMQP_URI";

    private static final Logger log = LoggerFactory.getLogger(RabbitBroker.class);
    private static volatile RabbitBroker instance;

    private final URI uri;

    private RabbitBroker(URI uri) {
        this.uri = uri;
    }

    /** The broker for this JVM, located on first use. */
    public static RabbitBroker get() {
        if (instance == null) {
            synchronized (RabbitBroker.class) {
                if (instance == null) {
                    instance = new RabbitBroker(locate());
                    log.info("tests use RabbitMQ at {}", instance.uri.getHost() + ":" + instance.port());
                }
            }
        }
        return instance;
    }

    private static URI locate() {
        String configured = System.getenv(URI_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            return URI.create(configured);
        }
        if (answers("127.0.0.1", 5672)) {
            return URI.create("amqp://guest:guest@127.0.0.1:5672/");
        }
        if (dockerAvailable()) {
            RabbitMQContainer container = new RabbitMQContainer("rabbitmq:4-management");
            container.start();
            return URI.create(container.getAmqpUrl().replace("amqp://", "amqp://guest:guest@") + "/");
        }
        throw new IllegalStateException("no RabbitMQ for the tests: set " + URI_VARIABLE
                + " (amqp://user:pass@host:5672/), or start one on 127.0.0.1:5672"
                + " (Debian: apt-get install rabbitmq-server && rabbitmq-server -detached),"
                + " or run a Docker engine for Testcontainers");
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
        return uri.getHost();
    }

    public int port() {
        return uri.getPort() < 0 ? 5672 : uri.getPort();
    }

    public String username() {
        String info = uri.getUserInfo();
        return info == null ? "guest" : info.split(":", 2)[0];
    }

    public String password() {
        String info = uri.getUserInfo();
        return info == null || !info.contains(":") ? "guest" : info.split(":", 2)[1];
    }

    public String virtualHost() {
        String path = uri.getPath();
        return path == null || path.isEmpty() || path.equals("/") ? "/" : path.substring(1);
    }

    /** A name prefix no other test uses, so each test has its own exchanges and queues. */
    public static String uniquePrefix(String hint) {
        return "t-" + hint + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Spring Boot properties that point a service at this broker. */
    public String[] springProperties() {
        return new String[] {
            "spring.rabbitmq.host=" + host(),
            "spring.rabbitmq.port=" + port(),
            "spring.rabbitmq.username=" + username(),
            "spring.rabbitmq.password=" + password(),
            "spring.rabbitmq.virtual-host=" + virtualHost()
        };
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
        return ServiceArgs.merge(args.toArray(String[]::new), extra);
    }

    /** A plain client connection, for tests that read or purge queues directly. */
    public Connection newConnection() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host());
        factory.setPort(port());
        factory.setUsername(username());
        factory.setPassword(password());
        factory.setVirtualHost(virtualHost());
        try {
            return factory.newConnection("sluice-test");
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot connect to RabbitMQ at " + host() + ":" + port(), e);
        }
    }

    /** Deletes queues and exchanges a test declared; names that do not exist are ignored. */
    public void delete(Iterable<String> queues, Iterable<String> exchanges) {
        try (Connection connection = newConnection()) {
            for (String queue : queues) {
                try (Channel channel = connection.createChannel()) {
                    channel.queueDelete(queue);
                } catch (IOException | TimeoutException | RuntimeException e) {
                    log.debug("queue {} not deleted: {}", queue, e.getMessage());
                }
            }
            for (String exchange : exchanges) {
                try (Channel channel = connection.createChannel()) {
                    channel.exchangeDelete(exchange);
                } catch (IOException | TimeoutException | RuntimeException e) {
                    log.debug("exchange {} not deleted: {}", exchange, e.getMessage());
                }
            }
        } catch (IOException e) {
            log.warn("cleanup of the test's RabbitMQ topology failed: {}", e.getMessage());
        }
    }
}
