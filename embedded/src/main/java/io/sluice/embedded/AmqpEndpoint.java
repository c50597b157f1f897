package io.sluice.embedded;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker named by an AMQP URI ({@code amqp://user:pass@host:5672/vhost}), RabbitMQ or the {@link EmbeddedAmqpBroker}:
 * the Spring Boot properties that point a service at it, a plain client connection, and the removal of a topology.
 */
public record AmqpEndpoint(URI uri, boolean embedded) {

    private static final Logger log = LoggerFactory.getLogger(AmqpEndpoint.class);

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

    /** Spring Boot properties that point a service at this broker (and, on the embedded one, at plain queues). */
    public String[] springProperties() {
        return new String[] {
            "spring.rabbitmq.host=" + host(),
            "spring.rabbitmq.port=" + port(),
            "spring.rabbitmq.username=" + username(),
            "spring.rabbitmq.password=" + password(),
            "spring.rabbitmq.virtual-host=" + virtualHost(),
            "sluice.amqp.queue-kind=" + (embedded ? "plain" : "quorum")
        };
    }

    /** A plain client connection. */
    public Connection newConnection(String name) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host());
        factory.setPort(port());
        factory.setUsername(username());
        factory.setPassword(password());
        factory.setVirtualHost(virtualHost());
        try {
            return factory.newConnection(name);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot connect to RabbitMQ at " + host() + ":" + port(), e);
        }
    }

    /** Deletes these queues and exchanges; names that do not exist are ignored. */
    public void delete(Iterable<String> queues, Iterable<String> exchanges) {
        try (Connection connection = newConnection("sluice-cleanup")) {
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
            log.warn("cleanup of the RabbitMQ topology failed: {}", e.getMessage());
        }
    }
}
