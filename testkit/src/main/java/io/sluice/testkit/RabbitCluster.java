package io.sluice.testkit;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.sluice.embedded.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A RabbitMQ cluster of several nodes of this machine's RabbitMQ on loopback, each with its own node name, ports and
 * data directory, started, clustered, stopped and killed by a test. Nodes run as the current user from RabbitMQ's own
 * scripts (not the service wrapper, which switches user), so they share this user's Erlang cookie with the CLI.
 */
public final class RabbitCluster implements AutoCloseable {

    private static final Path BIN = Path.of("/usr/lib/rabbitmq/bin");

    /** One node: its name, AMQP port, and the server process of its current run. */
    public final class Node {
        private final String name;
        private final int port;
        private final int distPort;
        private final Path dir;
        private final int tlsPort;
        private Process process;

        private Node(int index, TestCertificates tls) throws IOException {
            this.name = "sluice" + index + "_" + ProcessHandle.current().pid() + "@localhost";
            this.port = FreePorts.any();
            this.distPort = FreePorts.any();
            this.tlsPort = tls == null ? -1 : FreePorts.any();
            this.dir = Files.createTempDirectory("sluice-rabbit-" + index + "-");
            Files.writeString(dir.resolve("enabled_plugins"), "[].");
            String conf = "loopback_users = none\n";
            if (tls != null) {
                conf += "listeners.ssl.default = " + tlsPort + "\n"
                        + "ssl_options.cacertfile = " + tls.ca() + "\n"
                        + "ssl_options.certfile = " + tls.serverCertificate() + "\n"
                        + "ssl_options.keyfile = " + tls.serverKey() + "\n"
                        + "ssl_options.verify = verify_none\n"
                        + "ssl_options.fail_if_no_peer_cert = false\n";
            }
            Files.writeString(dir.resolve("rabbitmq.conf"), conf);
        }

        /** The AMQPS port of a node started with {@link #startWithTls}. */
        public int tlsPort() {
            return tlsPort;
        }

        public String name() {
            return name;
        }

        public int port() {
            return port;
        }

        private void start() throws IOException {
            ProcessBuilder builder = new ProcessBuilder(
                            BIN.resolve("rabbitmq-server").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("server.out").toFile());
            Map<String, String> env = builder.environment();
            env.put("RABBITMQ_NODENAME", name);
            env.put("RABBITMQ_NODE_PORT", Integer.toString(port));
            env.put("RABBITMQ_DIST_PORT", Integer.toString(distPort));
            env.put("RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString());
            env.put("RABBITMQ_LOG_BASE", dir.resolve("log").toString());
            env.put("RABBITMQ_PID_FILE", dir.resolve("pid").toString());
            env.put(
                    "RABBITMQ_ENABLED_PLUGINS_FILE",
                    dir.resolve("enabled_plugins").toString());
            env.put("RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq").toString());
            Files.deleteIfExists(dir.resolve("pid"));
            process = builder.start();
            // wait: for the pid file, then for the node to have booted (await_startup needs it reachable first).
            ctl(this, "wait", dir.resolve("pid").toString(), "--timeout", "120");
        }

        /** Stops the broker application (clients are disconnected, the node stays in the cluster). */
        public void stopApp() {
            ctl(this, "stop_app");
        }

        public void startApp() {
            ctl(this, "start_app");
            ctl(this, "await_startup", "--timeout", "120");
        }

        /** kill -9 of the node's Erlang VM, as a crashed machine would end it. */
        public void kill() throws Exception {
            long pid = Long.parseLong(Files.readString(dir.resolve("pid")).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }

        /** Starts the node again on its data, after {@link #kill}; it rejoins the cluster by itself. */
        public void restart() throws IOException {
            start();
        }
    }

    private final List<Node> nodes = new ArrayList<>();

    private RabbitCluster() {}

    /** Whether this machine can run one: RabbitMQ's scripts where Debian's package puts them. */
    public static boolean available() {
        return Files.isExecutable(BIN.resolve("rabbitmq-server")) && Files.isExecutable(BIN.resolve("rabbitmqctl"));
    }

    /** Starts {@code size} nodes and clusters them with the first; returns once all are running members. */
    public static RabbitCluster start(int size) throws IOException {
        RabbitCluster cluster = new RabbitCluster();
        try {
            for (int i = 1; i <= size; i++) {
                Node node = cluster.new Node(i, null);
                cluster.nodes.add(node);
                node.start();
            }
            for (Node node : cluster.nodes.subList(1, size)) {
                ctl(node, "stop_app");
                ctl(node, "join_cluster", cluster.nodes.getFirst().name);
                node.startApp();
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** One node that also takes AMQPS on {@link Node#tlsPort} with the test CA's server certificate. */
    public static RabbitCluster startWithTls(TestCertificates certificates) throws IOException {
        RabbitCluster cluster = new RabbitCluster();
        try {
            Node node = cluster.new Node(1, certificates);
            cluster.nodes.add(node);
            node.start();
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    /** {@code spring.rabbitmq.addresses}: every node, so that a client fails over to the next. */
    public String addresses() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.port).collect(Collectors.joining(","));
    }

    /** Arguments that point a service at the cluster (after the single broker's, which they override). */
    public String[] serviceArgs() {
        return new String[] {
            "--spring.rabbitmq.addresses=" + addresses(),
            "--spring.rabbitmq.username=guest",
            "--spring.rabbitmq.password=guest",
            "--spring.rabbitmq.virtual-host=/",
            "--sluice.amqp.queue-kind=quorum"
        };
    }

    /** The node that leads a quorum queue, asked of any running node. */
    public Node leaderOf(String queue) {
        for (Node asked : nodes) {
            try {
                String out = ctl(asked, "list_queues", "--quiet", "--no-table-headers", "name", "leader");
                for (String line : out.split("\n")) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields.length == 2 && fields[0].equals(queue)) {
                        return nodes.stream()
                                .filter(n -> n.name.equals(fields[1]))
                                .findFirst()
                                .orElseThrow();
                    }
                }
            } catch (IllegalStateException notRunning) {
                // ask the next one
            }
        }
        throw new IllegalStateException("no running node knows queue " + queue);
    }

    /** A plain client connection to the cluster (any running node). */
    public Connection newConnection() throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUsername("guest");
        factory.setPassword("guest");
        List<com.rabbitmq.client.Address> addresses = nodes.stream()
                .map(n -> new com.rabbitmq.client.Address("127.0.0.1", n.port))
                .toList();
        return factory.newConnection(addresses, "sluice-test");
    }

    @Override
    public void close() {
        for (Node node : nodes) {
            try {
                ctl(node, "stop");
            } catch (RuntimeException e) {
                // already down
            }
            if (node.process != null) {
                node.process.destroyForcibly();
            }
        }
    }

    private static String ctl(Node node, String... command) {
        List<String> args = new ArrayList<>(List.of(BIN.resolve("rabbitmqctl").toString(), "-n", node.name));
        args.addAll(List.of(command));
        try {
            Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(
                        "rabbitmqctl " + String.join(" ", command) + " on " + node.name + " failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
