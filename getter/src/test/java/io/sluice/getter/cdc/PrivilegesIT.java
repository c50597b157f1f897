package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The getter runs with REPLICATION and SELECT only, and names the grant it lacks. */
class PrivilegesIT {

    private final String role = "capture_" + UUID.randomUUID().toString().substring(0, 8);
    private GetterFixture fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new GetterFixture();
        fixture.source.execute(
                "CREATE TABLE items (id int8 PRIMARY KEY, name text)",
                "CREATE TABLE secrets (id int8 PRIMARY KEY, code text)",
                // Publication management is the owner's job; the capture role only reads.
                "CREATE PUBLICATION sluice FOR ALL TABLES",
                "CREATE ROLE " + role + " LOGIN REPLICATION",
                "GRANT SELECT ON items TO " + role);
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void aMissingGrantIsNamedAndCaptureStartsOnceItIsGiven() throws Exception {
        try (GetterFixture.Replica getter = fixture.startReplica(
                // The test URL names the superuser; the capture role replaces it.
                "--sluice.getter.cdc.sources[0].url="
                        + fixture.source.jdbcUrl().replace("user=postgres", "user=" + role))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> getter.phase() == CaptureStatus.Phase.FAILING);
            assertThat(getter.lastError()).contains("GRANT SELECT ON \"public\".\"secrets\" TO \"" + role + "\"");

            fixture.source.execute("GRANT SELECT ON secrets TO " + role);
            await().atMost(Duration.ofSeconds(30)).until(() -> getter.phase() == CaptureStatus.Phase.STREAMING);
            fixture.source.execute("INSERT INTO secrets VALUES (1, 'captured by a least-privilege role')");
            assertThat(fixture.nextBatch(Duration.ofSeconds(20)).table().name()).isEqualTo("secrets");
        }
    }
}
