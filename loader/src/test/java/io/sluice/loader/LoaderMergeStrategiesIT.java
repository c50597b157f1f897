package io.sluice.loader;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The other merges ({@code sluice.loader.merge}): {@code on-conflict} and {@code portable} ({@code UPDATE … FROM} and
 * {@code INSERT … WHERE NOT EXISTS}, no {@code ON CONFLICT}), against the same convergence tests as the default
 * ({@code MERGE} on this PostgreSQL): duplicated and shuffled batches with deletes, special characters, poison
 * rows, unsent TOAST values, soft deletes; two loaders at once, a concurrent insert and a table with rules in
 * {@link LoaderResilienceIT}.
 */
class LoaderMergeStrategiesIT {

    private static final String[] PORTABLE = {"--sluice.loader.merge=portable"};
    private static final String[] ON_CONFLICT = {"--sluice.loader.merge=on-conflict"};

    @Nested
    class OnConflictConvergesAsTheDefault extends LoaderIT {
        @Override
        String[] loaderArgs() {
            return ON_CONFLICT;
        }
    }

    @Nested
    class OnConflictKeepsUnsentValuesAsTheDefault extends LoaderToastIT {
        @Override
        String[] loaderArgs() {
            return ON_CONFLICT;
        }
    }

    @Nested
    class PortableConvergesAsTheDefault extends LoaderIT {
        @Override
        String[] loaderArgs() {
            return PORTABLE;
        }
    }

    @Nested
    class PortableKeepsUnsentValuesAsTheDefault extends LoaderToastIT {
        @Override
        String[] loaderArgs() {
            return PORTABLE;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"merge", "on-conflict", "portable"})
    void softDeletesKeepTheRowFlaggedALateOlderChangeDoesNotReviveItAndANewerOneDoes(String merge) {
        TestDatabase target = TestPostgres.get().newDatabase("loader_soft_" + merge.replace("-", "_"));
        TableName users = new TableName("public", "users");
        List<Column> columns = List.of(new Column("id", "bigint", true), new Column("name", "text", false));
        try (LoaderFixture fixture = new LoaderFixture(target.jdbcUrl())) {
            fixture.startLoader("--sluice.loader.merge=" + merge, "--sluice.loader.tables[public.users].deletes=soft");
            fixture.send(batch(users, columns, row(Op.INSERT, 10, "1", "ann")));
            fixture.awaitQueueEmpty();
            fixture.send(batch(users, columns, row(Op.DELETE, 30, "1", null), row(Op.DELETE, 30, "2", null)));
            fixture.awaitQueueEmpty();
            fixture.send(batch(users, columns, row(Op.UPDATE, 20, "1", "bob"))); // late and older
            fixture.awaitQueueEmpty();
            assertThat(target.query("SELECT id, name, _sluice_deleted, _sluice_lsn FROM users ORDER BY id"))
                    .as("the delete's version wins; the row keeps its values, flagged; a delete of an unseen key is"
                            + " its own tombstone")
                    .containsExactly(List.of(1L, "ann", true, 30L), Arrays.asList(2L, null, true, 30L));
            fixture.send(batch(users, columns, row(Op.INSERT, 40, "1", "cy")));
            fixture.awaitQueueEmpty();
            assertThat(target.query("SELECT id, name, _sluice_deleted FROM users WHERE id = 1"))
                    .containsExactly(List.of(1L, "cy", false));
        }
    }

    private static Row row(Op op, long lsn, String id, String name) {
        return new Row(op, lsn, 1, Instant.now(), Arrays.asList(id, name), List.of());
    }

    private static ChangeBatch batch(TableName table, List<Column> columns, Row... rows) {
        return new ChangeBatch("shop", Origin.CDC, table, columns, List.of(rows));
    }
}
