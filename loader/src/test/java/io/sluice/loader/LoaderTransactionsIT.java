package io.sluice.loader;

import static io.sluice.loader.AccountChanges.ACCOUNTS;
import static io.sluice.loader.AccountChanges.COLUMNS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/** A group of messages is written in transactions of at most {@code max-rows} rows, and lag is measured. */
class LoaderTransactionsIT {

    @Test
    void aGroupIsSplitIntoTransactionsOfAtMostMaxRowsAndLagIsMeasured() {
        TestDatabase target = TestPostgres.get().newDatabase("loader_tx");
        target.execute(AccountChanges.CREATE_TABLE);
        try (LoaderFixture fixture = new LoaderFixture(target.jdbcUrl())) {
            // One consumer taking all 20 messages in one group; 10 rows per transaction.
            ConfigurableApplicationContext loader = fixture.startLoader(
                    "--sluice.loader.consumers=1",
                    "--sluice.loader.max-messages=20",
                    "--sluice.loader.max-wait=2s",
                    "--sluice.loader.max-rows=10");
            Instant committed = Instant.now().minusSeconds(5);
            for (int message = 0; message < 20; message++) {
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    long id = message * 5L + i + 1;
                    rows.add(new Row(Op.INSERT, 100 + id, 1, committed, List.of(id + "", "1.00", "o"), List.of()));
                }
                fixture.send(new ChangeBatch("bank", Origin.CDC, ACCOUNTS, COLUMNS, rows));
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> target.queryLong("SELECT count(*) FROM accounts") == 100);
            // Each transaction leaves its own xmin: 100 rows in transactions of at most 10 make at least 10.
            assertThat(target.queryLong("SELECT count(DISTINCT xmin::text) FROM accounts"))
                    .isGreaterThanOrEqualTo(10);
            assertThat(target.queryLong(
                            "SELECT max(n) FROM (SELECT count(*) AS n FROM accounts GROUP BY xmin::text) t"))
                    .isLessThanOrEqualTo(10);
            MeterRegistry meters = loader.getBean(MeterRegistry.class);
            assertThat(meters.get("sluice.lag")
                            .tag("stage", "loader")
                            .timer()
                            .max(java.util.concurrent.TimeUnit.SECONDS))
                    .isGreaterThanOrEqualTo(5);
        }
    }
}
