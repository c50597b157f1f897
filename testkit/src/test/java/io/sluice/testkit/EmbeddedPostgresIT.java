package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The test server is what the pipeline needs: logical WAL, pg_stat_statements, isolated databases. */
class EmbeddedPostgresIT {

    private final TestPostgres postgres = TestPostgres.get();

    @Test
    void serverHasLogicalWalAndStatementStatistics() {
        TestDatabase db = postgres.newDatabase("kit");
        assertThat(db.queryValue("SHOW wal_level")).isEqualTo("logical");
        assertThat((String) db.queryValue("SHOW shared_preload_libraries")).contains("pg_stat_statements");
        db.execute("CREATE EXTENSION pg_stat_statements");
        assertThat(db.queryLong("SELECT count(*) FROM pg_stat_statements")).isPositive();
        assertThat(db.queryLong("SELECT current_setting('server_version_num')::int"))
                .isGreaterThanOrEqualTo(140000);
    }

    @Test
    void eachTestGetsItsOwnDatabase() {
        TestDatabase a = postgres.newDatabase("kit");
        TestDatabase b = postgres.newDatabase("kit");
        assertThat(a.name()).isNotEqualTo(b.name());
        a.execute("CREATE TABLE only_in_a (id int)");
        assertThat(b.queryLong("SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"))
                .isZero();
    }

    @Test
    void serverNeverRunsAsRoot() throws Exception {
        TestDatabase db = postgres.newDatabase("kit");
        // The backend serving this connection is a server process on this machine: its owner is the server's user.
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            long backend = rs.getLong(1);
            if (postgres.embedded() != null) {
                assertThat(ProcessHandle.of(backend).flatMap(p -> p.info().user()))
                        .isPresent()
                        .get()
                        .isNotEqualTo("root");
            }
        }
    }

    @Test
    void tableDiffFindsRowsOnEitherSide() {
        TestDatabase left = postgres.newDatabase("kit");
        TestDatabase right = postgres.newDatabase("kit");
        left.execute("CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
        right.execute("CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'a'), (3, 'c')");
        assertThat(TableDiff.differences(left, "t", right, "t", "id, v", 10))
                .containsExactlyInAnyOrder("source only: (2,b)", "target only: (3,c)");
        right.execute("DELETE FROM t WHERE id = 3", "INSERT INTO t VALUES (2, 'b')");
        assertThat(TableDiff.differences(left, "t", right, "t", "id, v", 10)).isEmpty();
    }
}
