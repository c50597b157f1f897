package io.sluice.cli;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.sluice.common.amqp.Topology;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the broker is, read as the services read it: {@code SPRING_RABBITMQ_HOST}, {@code _PORT}, {@code _USERNAME},
 * {@code _PASSWORD} and {@code _VIRTUAL_HOST}, and the topology's {@code SLUICE_AMQP_PREFIX}; options override them. The
 * password comes only from the environment, so that it is in no shell history or process list.
 */
final class BrokerOptions {

    private final Map<String, String> env;

    @Option(
            scope = picocli.CommandLine.ScopeType.INHERIT,
            names = "--host",
            description = "broker host (default: $SPRING_RABBITMQ_HOST, else 127.0.0.1)")
    String host;

    @Option(
            scope = picocli.CommandLine.ScopeType.INHERIT,
            names = "--port",
            description = "broker AMQP port (default: $SPRING_RABBITMQ_PORT, else 5672)")
    Integer port;

    @Option(
            scope = picocli.CommandLine.ScopeType.INHERIT,
            names = "--username",
            description = "broker user (default: $SPRING_RABBITMQ_USERNAME, else guest)")
    String username;

    @Option(
            scope = picocli.CommandLine.ScopeType.INHERIT,
            names = "--vhost",
            description = "virtual host (default: $SPRING_RABBITMQ_VIRTUAL_HOST, else /)")
    String virtualHost;

    @Option(
            scope = picocli.CommandLine.ScopeType.INHERIT,
            names = "--prefix",
            description = "the topology's prefix (default: $SLUICE_AMQP_PREFIX, else sluice)")
    String prefix;

    BrokerOptions() {
        this(System.getenv());
    }

    BrokerOptions(Map<String, String> env) {
        this.env = env;
    }

    Topology topology() {
        return new Topology(or(prefix, "SLUICE_AMQP_PREFIX", "sluice"), List.of());
    }

    String address() {
        return host() + ":" + port() + vhost();
    }

    Connection connect() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host());
        factory.setPort(port());
        factory.setUsername(or(username, "SPRING_RABBITMQ_USERNAME", "guest"));
        factory.setPassword(or(null, "SPRING_RABBITMQ_PASSWORD", "guest"));
        factory.setVirtualHost(vhost());
        factory.setConnectionTimeout(10_000);
        factory.setAutomaticRecoveryEnabled(false); // a command fails clearly rather than retrying quietly
        try {
            return factory.newConnection("sluice-cli");
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot connect to the broker at " + address() + " as " + factory.getUsername() + ": "
                            + Failures.describe(e),
                    e);
        }
    }

    private String host() {
        return or(host, "SPRING_RABBITMQ_HOST", "127.0.0.1");
    }

    private int port() {
        return port != null ? port : Integer.parseInt(or(null, "SPRING_RABBITMQ_PORT", "5672"));
    }

    private String vhost() {
        return or(virtualHost, "SPRING_RABBITMQ_VIRTUAL_HOST", "/");
    }

    private String or(String option, String variable, String fallback) {
        if (option != null && !option.isBlank()) {
            return option;
        }
        String value = env.get(variable);
        return value == null || value.isBlank() ? fallback : value;
    }
}
