package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.amqp.Topology;
import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.testkit.RabbitBroker;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
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
        io.sluice.testkit.TestCertificates.issue(dir);
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
}
