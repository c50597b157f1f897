package io.sluice.e2e;

import io.sluice.common.amqp.Topology;
import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.RabbitCluster;
import io.sluice.testkit.ServiceArgs;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.Strictness;
import io.sluice.testkit.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline on a 3-node RabbitMQ cluster with quorum queues (what its users run), through the faults of a cluster
 * while a workload writes: the leader of the work queues stopped, a node killed and brought back, two of three nodes
 * stopped (no quorum: publishing stalls and resumes, never drops), and a rolling restart. Each ends with the target
 * equal to the source; the summary table says how long each took.
 */
class ClusterFaultsIT {

    private static final int NODES = 3;

    private final String prefix = RabbitBroker.uniquePrefix("cluster");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private EmbeddedPostgres sourceServer;
    private EmbeddedPostgres targetServer;
    private RabbitCluster cluster;
    private ServiceProcess getter;
    private ServiceProcess handler;
    private ServiceProcess loader;

    @AfterEach
    void stop() {
        for (ServiceProcess service : new ServiceProcess[] {getter, handler, loader}) {
            if (service != null) {
                service.close();
            }
        }
        if (cluster != null) {
            cluster.close();
        }
        if (sourceServer != null) {
            sourceServer.close();
            targetServer.close();
        }
    }

    @Test
    void nothingIsLostWhateverHappensToTheClusterNodes() throws Exception {
        Strictness.require(
                RabbitCluster.available(),
                "RabbitMQ's server scripts in /usr/lib/rabbitmq/bin, to start a 3-node cluster",
                "apt-get install rabbitmq-server");
        cluster = RabbitCluster.start(NODES);
        sourceServer = EmbeddedPostgres.start();
        targetServer = EmbeddedPostgres.start();
        TestDatabase source = new TestDatabase("cluster_source", sourceServer.jdbcUrl("postgres"));
        TestDatabase target = new TestDatabase("cluster_target", targetServer.jdbcUrl("postgres"));
        OrdersWorkload.createTables(source, target);
        FaultSuite faults = new FaultSuite(source, target, names, cluster::newConnection);

        handler = ServiceProcess.start("handler", "384m", List.of(args()));
        loader = ServiceProcess.start("loader", "384m", List.of(args("--spring.datasource.url=" + target.jdbcUrl())));
        getter = ServiceProcess.start(
                "getter",
                "384m",
                List.of(ServiceArgs.merge(
                        GetterArgs.of(prefix, source, target, "--sluice.getter.cdc.retry-backoff=500ms"),
                        cluster.serviceArgs(),
                        new String[] {"--sluice.amqp.confirm-timeout=5s"})));

        faults.run("node leading the work queues stopped", () -> {
            RabbitCluster.Node leader = cluster.leaderOf(names.handlerQueue());
            leader.stopApp();
            Thread.sleep(10_000);
            leader.startApp();
        });
        faults.run("kill -9 a node, then back", () -> {
            RabbitCluster.Node node = cluster.nodes().get(1);
            node.kill();
            Thread.sleep(5_000);
            node.restart();
        });
        faults.run("2 of 3 nodes stopped 20 s (no quorum)", () -> {
            List<RabbitCluster.Node> two = cluster.nodes().subList(1, 3);
            two.forEach(RabbitCluster.Node::stopApp);
            Thread.sleep(20_000);
            two.forEach(RabbitCluster.Node::startApp);
        });
        faults.run("rolling restart of all 3 nodes", () -> {
            for (RabbitCluster.Node node : cluster.nodes()) {
                node.stopApp();
                node.startApp();
            }
        });
        faults.printSummary();
    }

    /** A service's arguments on this test's prefix, pointed at every node of the cluster. */
    private String[] args(String... extra) {
        return ServiceArgs.merge(RabbitBroker.get().serviceArgs(prefix), cluster.serviceArgs(), extra);
    }
}
