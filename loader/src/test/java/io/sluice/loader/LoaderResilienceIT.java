package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.embedded.EmbeddedPostgres;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loaders under concurrency and failure: two replicas on the same keys, and a target that restarts mid-stream. */
class LoaderResilienceIT {

    /** Both merges ({@code sluice.loader.merge}): plain upserts side by side, and the portable one taking turns. */
    @ParameterizedTest
    @ValueSource(strings = {"on-conflict", "portable"})
    void twoLoadersWritingTheSameKeysConcurrentlyConverge(String merge) {
        TestDatabase target = TestPostgres.get().newDatabase("loader_two");
        target.execute(AccountChanges.CREATE_TABLE);
        Random random = new Random(11);
        AccountChanges changes = AccountChanges.generate(random, 3_000, 200);
        try (LoaderFixture fixture = new LoaderFixture(target.jdbcUrl())) {
            for (int replica = 0; replica < 2; replica++) {
                fixture.startLoader(
                        "--sluice.loader.merge=" + merge,
                        "--sluice.loader.consumers=2",
                        "--sluice.loader.max-messages=5");
            }
            changes.deliveries(random).forEach(fixture::send);
            await().atMost(Duration.ofSeconds(120))
                    .untilAsserted(
                            () -> assertThat(AccountChanges.targetRows(target)).isEqualTo(changes.expected()));
            assertThat(target.queryLong("SELECT count(*) FROM sluice.tombstones"))
                    .as("every delete left its version")
                    .isPositive();
        }
    }

    @Test
    void aTargetRestartMidStreamLosesNothing() throws Exception {
        try (EmbeddedPostgres server = EmbeddedPostgres.start()) {
            TestDatabase target = new TestDatabase("postgres", server.jdbcUrl("postgres"));
            target.execute(AccountChanges.CREATE_TABLE);
            Random random = new Random(13);
            AccountChanges changes = AccountChanges.generate(random, 2_000, 100);
            List<io.sluice.common.batch.ChangeBatch> deliveries = changes.deliveries(random);
            try (LoaderFixture fixture = new LoaderFixture(target.jdbcUrl())) {
                fixture.startLoader(
                        "--sluice.loader.max-messages=3", "--spring.datasource.hikari.connection-timeout=2000");
                deliveries.subList(0, deliveries.size() / 2).forEach(fixture::send);
                Thread.sleep(300);
                server.stop();
                deliveries.subList(deliveries.size() / 2, deliveries.size()).forEach(fixture::send);
                Thread.sleep(3_000);
                server.restart();
                await().atMost(Duration.ofSeconds(120))
                        .ignoreExceptions()
                        .untilAsserted(() ->
                                assertThat(AccountChanges.targetRows(target)).isEqualTo(changes.expected()));
            }
        }
    }
}
