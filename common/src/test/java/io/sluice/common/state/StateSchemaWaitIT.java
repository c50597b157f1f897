package io.sluice.common.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** A service that does not migrate waits for the schema's owner to, and says what to do when nobody does. */
class StateSchemaWaitIT {

    @Test
    void waitsForTheShippedVersionAndOtherwiseSaysWhoMigrates() throws Exception {
        TestDatabase db = TestPostgres.get().newDatabase("state_wait");
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(db.jdbcUrl());
        assertThat(StateSchemaWait.shippedVersion()).isGreaterThanOrEqualTo(7);
        assertThatThrownBy(() -> StateSchemaWait.await(dataSource, Duration.ofMillis(100)))
                .hasMessageContaining("state schema is not ready")
                .hasMessageContaining("start pgtask");

        db.execute(
                "CREATE SCHEMA sluice",
                "CREATE TABLE sluice.flyway_schema_history (version text, success boolean)",
                "INSERT INTO sluice.flyway_schema_history VALUES ('" + StateSchemaWait.shippedVersion() + "', true)");
        StateSchemaWait.await(dataSource, Duration.ofSeconds(5)); // ready: returns at once
    }
}
