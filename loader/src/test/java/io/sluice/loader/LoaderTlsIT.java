package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.amqp.Topology;
import io.sluice.testkit.EmbeddedPostgres;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.Strictness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * TLS to PostgreSQL through a Spring Boot SSL bundle: the loader verifies the server's certificate against the
 * bundle's CA and its name (verify-full), and refuses a server its CA did not sign.
 */
class LoaderTlsIT {

    private final Topology names = new Topology(RabbitBroker.uniquePrefix("tls"), List.of("warehouse"));
    private EmbeddedPostgres postgres;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (postgres != null) {
            postgres.close();
        }
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void theLoaderTalksTlsWithTheBundlesCaAndRefusesAServerItDidNotSign() throws Exception {
        Strictness.require(Strictness.onPath("openssl"), "openssl", "apt-get install openssl; .ci/run installs it");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=Sluice test CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt");
        openssl(
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                "server.key",
                "-out",
                "server.csr");
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl(
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "san.ext",
                "-out",
                "server.crt");
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=Another CA",
                "-keyout",
                "other.key",
                "-out",
                "other.crt");
        postgres = EmbeddedPostgres.startWithTls(dir.resolve("server.crt"), dir.resolve("server.key"));
        String url =
                postgres.jdbcUrl("postgres") + (postgres.jdbcUrl("postgres").contains("?") ? "&" : "?")
                        + "sslmode=verify-full&sslfactory=io.sluice.common.tls.SslBundleSocketFactory&sslbundle=warehouse";

        try (ConfigurableApplicationContext loader = LoaderApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                names.prefix(),
                                "--spring.datasource.url=" + url,
                                "--spring.ssl.bundle.pem.warehouse.truststore.certificate=file:"
                                        + dir.resolve("ca.crt")))) {
            // Flyway migrated over TLS; the pool's connections are encrypted.
            try (Connection c = loader.getBean(javax.sql.DataSource.class).getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
            }
        }

        assertThatThrownBy(() -> LoaderApplication.create()
                        .run(RabbitBroker.get()
                                .serviceArgs(
                                        names.prefix(),
                                        "--spring.datasource.url=" + url,
                                        "--spring.ssl.bundle.pem.warehouse.truststore.certificate=file:"
                                                + dir.resolve("other.crt")))
                        .close())
                .hasStackTraceContaining("PKIX path");
    }

    private void openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }
}
