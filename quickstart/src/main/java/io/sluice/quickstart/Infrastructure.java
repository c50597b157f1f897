package io.sluice.quickstart;

import io.sluice.common.amqp.Topology;
import io.sluice.embedded.AmqpEndpoint;
import io.sluice.embedded.EmbeddedAmqpBroker;
import io.sluice.embedded.EmbeddedPostgres;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The databases and the broker the quickstart runs on: the ones the user named, and embedded ones for the rest
 * (PostgreSQL from the testkit's binaries, run as {@code nobody} when we are root; Qpid Broker-J in this JVM).
 */
final class Infrastructure implements AutoCloseable {

    /** The demo's exchanges and queues: {@code sluice-demo.*}. */
    static final Topology TOPOLOGY = new Topology("sluice-demo", List.of("warehouse"));

    private final List<AutoCloseable> started = new ArrayList<>();
    private final String sourceJdbc;
    private final String targetJdbc;
    private final URI amqpUri;
    private final boolean embeddedBroker;

    private boolean sourceEmbedded;
    private boolean targetEmbedded;

    private Infrastructure(String sourceJdbc, String targetJdbc, URI amqpUri, boolean embeddedBroker) {
        this.sourceJdbc = sourceJdbc;
        this.targetJdbc = targetJdbc;
        this.amqpUri = amqpUri;
        this.embeddedBroker = embeddedBroker;
    }

    static Infrastructure start(Quickstart options, Display progress) throws SQLException {
        List<AutoCloseable> started = new ArrayList<>();
        String source = options.sourceJdbc;
        if (source == null) {
            progress.step("starting the source PostgreSQL (embedded)");
            source = embeddedDatabase("shop", started);
        }
        String target = options.targetJdbc;
        if (target == null) {
            progress.step("starting the warehouse PostgreSQL (embedded)");
            target = embeddedDatabase("warehouse", started);
        }
        URI amqp = options.amqpUri;
        if (amqp == null) {
            progress.step("starting the AMQP broker (embedded Qpid Broker-J)");
            EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start();
            started.add(broker);
            amqp = broker.uri();
        }
        Infrastructure infrastructure = new Infrastructure(source, target, amqp, options.amqpUri == null);
        infrastructure.started.addAll(started);
        infrastructure.sourceEmbedded = options.sourceJdbc == null;
        infrastructure.targetEmbedded = options.targetJdbc == null;
        return infrastructure;
    }

    private static String embeddedDatabase(String name, List<AutoCloseable> started) throws SQLException {
        EmbeddedPostgres server = EmbeddedPostgres.start();
        started.add(server);
        try (Connection connection = server.connect("postgres");
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        return server.jdbcUrl(name);
    }

    /**
     * The {@code psql} command that opens a database the quickstart started itself, or null for the user's own (whose
     * URL may hold a password, and which they know how to reach).
     */
    String psql(boolean source) {
        if (!(source ? sourceEmbedded : targetEmbedded)) {
            return null;
        }
        URI uri = URI.create((source ? sourceJdbc : targetJdbc).substring("jdbc:".length()));
        String user = uri.getQuery() != null && uri.getQuery().startsWith("user=")
                ? uri.getQuery().substring("user=".length()).split("&")[0]
                : "postgres";
        return "psql -h " + uri.getHost() + " -p " + uri.getPort() + " -U " + user + " "
                + uri.getPath().substring(1);
    }

    String sourceJdbc() {
        return sourceJdbc;
    }

    String targetJdbc() {
        return targetJdbc;
    }

    Connection source() throws SQLException {
        return DriverManager.getConnection(sourceJdbc);
    }

    Connection target() throws SQLException {
        return DriverManager.getConnection(targetJdbc);
    }

    /**
     * Spring Boot properties for the broker: host, port, credentials, virtual host, the queue kind it takes, and the
     * demo's own topology prefix (so that it never touches a real pipeline's queues on a shared RabbitMQ).
     */
    List<String> brokerProperties() {
        List<String> properties =
                new ArrayList<>(Arrays.stream(new AmqpEndpoint(amqpUri, embeddedBroker).springProperties())
                        .map(p -> "--" + p)
                        .toList());
        properties.add("--sluice.amqp.prefix=" + TOPOLOGY.prefix());
        return properties;
    }

    String describe() {
        return (embeddedBroker ? "embedded broker" : "RabbitMQ at " + amqpUri.getHost() + ":" + amqpUri.getPort());
    }

    @Override
    public void close() {
        if (!embeddedBroker) {
            // A RabbitMQ of the user's keeps durable queues: leave it as it was found.
            new AmqpEndpoint(amqpUri, false).delete(TOPOLOGY.queues(), TOPOLOGY.exchanges());
        }
        for (AutoCloseable part : started.reversed()) {
            try {
                part.close();
            } catch (Exception e) {
                // stopping what we started: nothing to do if a part is already gone
            }
        }
    }
}
