package io.sluice.cli;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.sluice.common.amqp.Topology;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the broker is, read as the services read it: {@code SPRING_RABBITMQ_HOST}, {@code _PORT}, {@code _USERNAME},
 * {@code _PASSWORD} and {@code _VIRTUAL_HOST}, TLS from {@code SPRING_RABBITMQ_SSL_ENABLED} with the CA of the SSL bundle
 * {@code SPRING_RABBITMQ_SSL_BUNDLE} names, and the topology's {@code SLUICE_AMQP_PREFIX}; options override them. The
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
            names = "--tls",
            description = "AMQPS, the server's certificate and name verified (default: $SPRING_RABBITMQ_SSL_ENABLED)")
    boolean tls;

    @Option(
            scope = picocli.CommandLine.ScopeType.INHERIT,
            names = "--ca-file",
            paramLabel = "PEM",
            description = "the CA certificates to trust for --tls (default: the SSL bundle's truststore certificate,"
                    + " as the services read it, else the JVM's trusted CAs)")
    String caFile;

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
        if (tls()) {
            factory.useSslProtocol(BrokerTls.context(caFile()));
            factory.enableHostnameVerification();
        }
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
        return port != null ? port : Integer.parseInt(or(null, "SPRING_RABBITMQ_PORT", tls() ? "5671" : "5672"));
    }

    private boolean tls() {
        return tls || Boolean.parseBoolean(or(null, "SPRING_RABBITMQ_SSL_ENABLED", "false"));
    }

    /** The CA file: the option, else the PEM truststore certificate of the bundle the services use for RabbitMQ. */
    private String caFile() {
        if (caFile != null && !caFile.isBlank()) {
            return caFile;
        }
        String bundle = env.get("SPRING_RABBITMQ_SSL_BUNDLE");
        if (bundle == null || bundle.isBlank()) {
            return null;
        }
        String variable = "SPRING_SSL_BUNDLE_PEM_"
                + bundle.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_TRUSTSTORE_CERTIFICATE";
        String location = env.get(variable);
        return location == null || location.isBlank() ? null : location.replaceFirst("^(file|classpath):", "");
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
