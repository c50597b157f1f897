package io.sluice.getter.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.getter.files.FileLedger.Claim;
import io.sluice.getter.files.FileLedger.FileState;
import io.sluice.getter.files.FileLedger.Registration;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The file ledger on real PostgreSQL: each file once by content, one replica per file, resume after a lost owner. */
class FileLedgerIT {

    private static final Duration LEASE = Duration.ofSeconds(30);

    private final TestDatabase state = TestPostgres.get().newDatabase("file_ledger");
    private final PGSimpleDataSource dataSource = new PGSimpleDataSource();
    private FileLedger ledger;

    @BeforeEach
    void migrate() {
        dataSource.setURL(state.jdbcUrl());
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:io/sluice/common/db/migration")
                .schemas("sluice")
                .defaultSchema("sluice")
                .createSchemas(true)
                .load()
                .migrate();
        ledger = new FileLedger(dataSource);
    }

    @Test
    void aFileIsLoadedOnceByContentEvenUnderAnotherNameUnlessForced() throws Exception {
        assertThat(register("in/orders-1.csv", "abc").added()).isTrue();
        Claim claim = ledger.claimNext("partners", "getter-a", LEASE).orElseThrow();
        ledger.done(claim, "getter-a");

        assertThat(register("in/orders-1-copy.csv", "abc"))
                .isEqualTo(new Registration(false, FileState.DONE, "in/orders-1.csv"));
        assertThat(ledger.claimNext("partners", "getter-a", LEASE)).isEmpty();

        assertThat(ledger.force("partners", "in/orders-1.csv")).isTrue();
        assertThat(ledger.force("partners", "in/never-seen.csv")).isFalse();
        Claim again = ledger.claimNext("partners", "getter-a", LEASE).orElseThrow();
        assertThat(again.confirmedLine()).isZero();
        assertThat(again.version()).isGreaterThan(claim.version()); // the reload's rows win over the first load's
    }

    @Test
    void concurrentReplicasEachClaimDifferentFiles() throws Exception {
        for (int i = 0; i < 20; i++) {
            register("in/f" + i + ".csv", "sum" + i);
        }
        ConcurrentLinkedQueue<Long> claimed = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> replicas = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            String owner = "getter-" + r;
            replicas.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    Optional<Claim> claim;
                    while ((claim = ledger.claimNext("partners", owner, LEASE)).isPresent()) {
                        claimed.add(claim.get().id());
                        ledger.done(claim.get(), owner);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        start.countDown();
        for (Thread replica : replicas) {
            replica.join();
        }
        assertThat(claimed).hasSize(20).doesNotHaveDuplicates();
    }

    @Test
    void aFileWhoseOwnerDiedResumesFromItsLastConfirmedLineUnderAnotherReplica() throws Exception {
        register("in/big.csv", "big");
        Claim first = ledger.claimNext("partners", "getter-a", LEASE).orElseThrow();
        ledger.progress(first, "getter-a", 5_000, 4_990, 10);
        assertThat(ledger.claimNext("partners", "getter-b", LEASE)).isEmpty(); // getter-a's lease holds

        state.execute("UPDATE sluice.files SET heartbeat_at = now() - interval '1 minute'"); // getter-a died
        Claim taken = ledger.claimNext("partners", "getter-b", LEASE).orElseThrow();
        assertThat(taken.id()).isEqualTo(first.id());
        assertThat(taken.confirmedLine()).isEqualTo(5_000);
        assertThat(taken.rows()).isEqualTo(4_990);
        assertThat(taken.badLines()).isEqualTo(10);
        assertThat(taken.version()).isEqualTo(first.version()); // same rows, same versions: re-sent lines converge

        assertThatThrownBy(() -> ledger.progress(first, "getter-a", 6_000, 5_990, 10))
                .isInstanceOf(FileLedger.LostClaimException.class);
        ledger.quarantine(taken, "getter-b", "bad-line ratio 0.31 above 0.10");
        assertThat(state.queryValue("SELECT state || ': ' || reason FROM sluice.files"))
                .isEqualTo("quarantined: bad-line ratio 0.31 above 0.10");
    }

    @Test
    void aReplicaRestartedUnderTheSameNameTakesItsFileBackAtOnce() throws Exception {
        register("in/a.csv", "a");
        Claim first = ledger.claimNext("partners", "getter-0", LEASE).orElseThrow();
        ledger.progress(first, "getter-0", 100, 100, 0);
        assertThat(ledger.claimNext("partners", "getter-1", LEASE)).isEmpty();
        assertThat(ledger.claimNext("partners", "getter-0", LEASE))
                .get()
                .extracting(Claim::id, Claim::confirmedLine)
                .containsExactly(first.id(), 100L);
    }

    @Test
    void aFileThatFailedBecauseItWasGoneIsTakenAgainWhenItIsBack() throws Exception {
        register("in/a.csv", "a");
        ledger.fail(ledger.claimNext("partners", "getter-a", LEASE).orElseThrow(), "getter-a", "gone");
        assertThat(register("in/a-again.csv", "a").added()).isTrue();
        assertThat(ledger.claimNext("partners", "getter-a", LEASE))
                .get()
                .extracting(Claim::path)
                .isEqualTo("in/a-again.csv");
    }

    private Registration register(String path, String checksum) throws Exception {
        return ledger.register("partners", path, 100, Instant.parse("2026-11-30T00:00:00Z"), checksum);
    }
}
