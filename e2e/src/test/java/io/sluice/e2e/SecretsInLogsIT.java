package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.Topology;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.ServiceProcess;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A service logging everything it can (root at DEBUG), with a password inside its JDBC URL and the admin token in its
 * environment, as careless configuration has them: neither secret may appear in its log.
 */
class SecretsInLogsIT {

    private static final String PASSWORD = "pw-in-the-url-4711";
    private static final String TOKEN = "admin-token-0815-never-logged";

    private final String prefix = RabbitBroker.uniquePrefix("secrets");
    private ServiceProcess loader;

    @AfterEach
    void stop() {
        if (loader != null) {
            loader.close();
        }
        Topology names = new Topology(prefix, List.of("warehouse"));
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void neitherAPasswordInTheJdbcUrlNorTheTokenReachesTheLogAtDebug() throws Exception {
        TestDatabase target = TestPostgres.get().newDatabase("secrets_target");
        String role = "owner_" + target.name(); // roles are the server's: one per run
        target.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "' SUPERUSER");
        String url = target.jdbcUrl().replace("user=postgres", "user=" + role) + "&password=" + PASSWORD;
        loader = ServiceProcess.start(
                "loader",
                "384m",
                List.of(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--spring.datasource.url=" + url,
                                "--sluice.security.token=" + TOKEN,
                                "--logging.level.root=DEBUG")));
        await().atMost(Duration.ofSeconds(90)).until(() -> loader.metrics().contains("sluice_"));
        String log = Files.readString(loader.log());
        assertThat(log).contains(role); // the URL's harmless parts are there: it is the right log
        assertThat(log).doesNotContain(PASSWORD).doesNotContain(TOKEN);
    }
}
