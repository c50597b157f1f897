package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.JarRun;
import io.sluice.testkit.RabbitCluster;
import io.sluice.testkit.Strictness;
import io.sluice.testkit.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line reaches a broker that takes only verified TLS, configured as a service in the prod overlay is
 * (SPRING_RABBITMQ_SSL_ENABLED, the port, the SSL bundle's CA), and refuses a broker whose certificate it cannot
 * verify in one sentence.
 */
class BrokerTlsIT {

    @TempDir
    Path dir;

    @Test
    void statusOverTlsWithTheBundlesCaAndARefusalWithAnotherOne() throws Exception {
        Strictness.require(RabbitCluster.available(), "RabbitMQ's scripts", "apt-get install rabbitmq-server");
        TestCertificates certificates = TestCertificates.issue(dir);
        try (RabbitCluster broker = RabbitCluster.startWithTls(certificates)) {
            int port = broker.nodes().getFirst().tlsPort();
            Map<String, String> env = Map.of(
                    "SPRING_RABBITMQ_HOST", "127.0.0.1",
                    "SPRING_RABBITMQ_PORT", Integer.toString(port),
                    "SPRING_RABBITMQ_SSL_ENABLED", "true",
                    "SPRING_RABBITMQ_SSL_BUNDLE", "sluice",
                    "SPRING_SSL_BUNDLE_PEM_SLUICE_TRUSTSTORE_CERTIFICATE", "file:" + certificates.ca());

            JarRun trusted = JarRun.run("cli", List.of("status", "--prefix", "tls-check"), env);
            assertThat(trusted.code()).as(trusted.out() + trusted.err()).isZero();
            assertThat(trusted.out()).contains("broker 127.0.0.1:" + port + "/");

            JarRun untrusted = JarRun.run(
                    "cli",
                    List.of(
                            "status",
                            "--prefix",
                            "tls-check",
                            "--ca-file",
                            certificates.otherCa().toString()),
                    env);
            assertThat(untrusted.code()).isEqualTo(1);
            assertThat(untrusted.err().strip())
                    .contains("TLS handshake failed", "--ca-file")
                    .doesNotContain("\tat ");
        }
    }
}
