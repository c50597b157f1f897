package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.Lsn;
import io.sluice.getter.cdc.PgOutputMessage.Begin;
import io.sluice.getter.cdc.PgOutputMessage.Commit;
import io.sluice.getter.cdc.PgOutputMessage.Insert;
import io.sluice.getter.cdc.PgOutputMessage.Relation;
import io.sluice.getter.cdc.PgOutputMessage.RelationColumn;
import io.sluice.getter.cdc.PgOutputMessage.Tuple;
import io.sluice.getter.cdc.PgOutputMessage.Update;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class TransactionAssemblerTest {

    private final List<ChangeBatch> published = new ArrayList<>();
    private final List<CompletableFuture<Void>> confirms = new ArrayList<>();
    private final TransactionAssembler assembler = new TransactionAssembler(
            "shop",
            3,
            batch -> {
                published.add(batch);
                if (batch.isSchemaChange()) {
                    return CompletableFuture.completedFuture(null); // the assembler waits for this one
                }
                CompletableFuture<Void> confirm = new CompletableFuture<>();
                confirms.add(confirm);
                return confirm;
            },
            relation -> relation.columns().stream()
                    .map(c -> new Column(c.name(), "bigint", c.key()))
                    .toList());

    @Test
    void aLargeTransactionIsPublishedInBatchesBeforeItCommits() {
        assembler.accept(relation());
        assembler.accept(new Begin(500, 0, 1));
        for (int i = 1; i <= 7; i++) {
            assembler.accept(new Insert(1, tuple(Integer.toString(i), "0")));
        }
        assertThat(published).hasSize(2); // two full batches of 3 went out before the commit
        TransactionAssembler.CommittedTransaction done = assembler.accept(new Commit(500, 560, 0));

        assertThat(published).hasSize(3);
        assertThat(published)
                .flatExtracting(ChangeBatch::rows)
                .extracting(Row::lsn)
                .containsOnly(500L);
        assertThat(published)
                .flatExtracting(ChangeBatch::rows)
                .extracting(Row::seq)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(published.get(0).rows().get(0).ts()).isEqualTo(Instant.parse("2000-01-01T00:00:00Z"));
        assertThat(done.endLsn()).isEqualTo(new Lsn(560));

        // The commit is done only once every one of its batches is confirmed.
        confirms.get(0).complete(null);
        confirms.get(2).complete(null);
        assertThat(done.confirmed()).isNotDone();
        confirms.get(1).complete(null);
        assertThat(done.confirmed()).isDone();
    }

    @Test
    void aKeyChangeDeletesTheOldKey() {
        assembler.accept(relation());
        assembler.accept(new Begin(900, 0, 2));
        assembler.accept(new Update(1, tuple("1", null), tuple("2", "5")));
        assembler.accept(new Update(1, null, tuple("2", "6")));
        assembler.accept(new Commit(900, 950, 0));

        assertThat(published).singleElement().satisfies(batch -> {
            assertThat(batch.rows()).extracting(Row::op).containsExactly(Op.DELETE, Op.UPDATE, Op.UPDATE);
            assertThat(batch.rows().get(0).values()).containsExactly("1", null);
            assertThat(batch.rows().get(1).values()).containsExactly("2", "5");
        });
    }

    @Test
    void unchangedToastColumnsAreMarkedNotSentAsValues() {
        assembler.accept(relation());
        assembler.accept(new Begin(1000, 0, 3));
        assembler.accept(new Update(1, null, new Tuple(new String[] {"1", null}, new boolean[] {false, true})));
        assembler.accept(new Commit(1000, 1010, 0));
        assertThat(published.get(0).rows().get(0).unchanged()).containsExactly(1);
    }

    @Test
    void aHeartbeatBetweenTransactionsIsAPositionTheSlotMayMoveTo() {
        TransactionAssembler.CommittedTransaction idle = assembler.accept(heartbeat(2_000));
        assertThat(idle.endLsn()).isEqualTo(new Lsn(2_000));
        assertThat(idle.confirmed()).isDone();

        assembler.accept(relation());
        assembler.accept(new Begin(3_000, 0, 4));
        assertThat(assembler.accept(heartbeat(2_500)))
                .as("inside a transaction")
                .isNull();
        assertThat(assembler.accept(new PgOutputMessage.LogicalMessage(false, 2_600, "someone.else", new byte[0])))
                .isNull();
    }

    @Test
    void aChangedColumnSetIsAnnouncedBeforeRowsOfTheNewShape() {
        assembler.accept(relation());
        assembler.accept(new Begin(4_000, 0, 5));
        assembler.accept(new Insert(1, tuple("1", "2")));
        assembler.accept(relation()); // the same shape again (a new session, an index added): no event
        assembler.accept(new Relation(
                1,
                "public",
                "feed_log",
                List.of(
                        new RelationColumn("id", 20, -1, true),
                        new RelationColumn("c1", 20, -1, false),
                        new RelationColumn("info", 25, -1, false))));
        assembler.accept(new Insert(1, tuple("2", "3", "new column")));
        assembler.accept(new Commit(4_000, 4_100, 0));

        assertThat(published).hasSize(3);
        assertThat(published.get(0).rows()).hasSize(1);
        ChangeBatch event = published.get(1);
        assertThat(event.isSchemaChange()).isTrue();
        assertThat(event.rows()).isEmpty();
        assertThat(event.previousColumns()).extracting(Column::name).containsExactly("id", "c1");
        assertThat(event.columns()).extracting(Column::name).containsExactly("id", "c1", "info");
        assertThat(published.get(2).columns()).hasSize(3);
    }

    private static PgOutputMessage.LogicalMessage heartbeat(long lsn) {
        return new PgOutputMessage.LogicalMessage(false, lsn, TransactionAssembler.HEARTBEAT_PREFIX, new byte[0]);
    }

    @Test
    void smallTransactionsShareATablesBatchAndEachIsDoneOnlyWhenThatBatchIsConfirmed() {
        TransactionAssembler lingering = new TransactionAssembler(
                "shop",
                100,
                Long.MAX_VALUE,
                java.time.Duration.ofHours(1),
                batch -> {
                    published.add(batch);
                    CompletableFuture<Void> confirm = new CompletableFuture<>();
                    confirms.add(confirm);
                    return confirm;
                },
                relation -> relation.columns().stream()
                        .map(c -> new Column(c.name(), "bigint", c.key()))
                        .toList(),
                TransactionAssembler.UnchangedValues.NONE);
        lingering.accept(relation());
        List<TransactionAssembler.CommittedTransaction> commits = new ArrayList<>();
        for (int t = 1; t <= 3; t++) {
            lingering.accept(new Begin(1_000L * t, 0, t));
            lingering.accept(new Insert(1, tuple(Integer.toString(t), "0")));
            commits.add(lingering.accept(new Commit(1_000L * t, 1_000L * t + 10, 0)));
        }
        lingering.flushDue();
        assertThat(published).as("still lingering").isEmpty();
        assertThat(commits).noneMatch(c -> c.confirmed().isDone());

        lingering.flushAll();
        assertThat(published)
                .singleElement()
                .satisfies(batch -> assertThat(batch.rows())
                        .extracting(Row::lsn, Row::seq)
                        .containsExactly(
                                org.assertj.core.groups.Tuple.tuple(1_000L, 1L),
                                org.assertj.core.groups.Tuple.tuple(2_000L, 1L),
                                org.assertj.core.groups.Tuple.tuple(3_000L, 1L)));
        assertThat(commits).noneMatch(c -> c.confirmed().isDone());
        confirms.getFirst().complete(null);
        assertThat(commits).allMatch(c -> c.confirmed().isDone());
    }

    @Test
    void anUpdateOfAKeylessTableIsTheDeleteOfTheOldRowAndTheInsertOfTheNew() {
        assembler.accept(new Relation(
                2,
                "public",
                "events",
                'f',
                List.of(new RelationColumn("kind", 25, -1, false), new RelationColumn("n", 20, -1, false))));
        assembler.accept(new Begin(700, 0, 3));
        assembler.accept(new Update(2, tuple("a", null), true, tuple("a", "1")));
        assembler.accept(new Commit(700, 750, 0));

        assertThat(published)
                .singleElement()
                .satisfies(batch -> assertThat(batch.rows())
                        .extracting(Row::op, Row::values)
                        .containsExactly(
                                org.assertj.core.groups.Tuple.tuple(Op.DELETE, java.util.Arrays.asList("a", null)),
                                org.assertj.core.groups.Tuple.tuple(Op.INSERT, List.of("a", "1"))));
    }

    private static Relation relation() {
        return new Relation(
                1,
                "public",
                "feed_log",
                List.of(new RelationColumn("id", 20, -1, true), new RelationColumn("c1", 20, -1, false)));
    }

    private static Tuple tuple(String... values) {
        return new Tuple(values, new boolean[values.length]);
    }
}
