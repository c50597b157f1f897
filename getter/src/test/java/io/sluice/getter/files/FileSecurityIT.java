package io.sluice.getter.files;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.batch.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Files dropped by whoever may write to a watched folder, as an attacker would drop them: links to the host's files,
 * ledger paths leading out of the folder, and compressed files that would exhaust the heap. None may be read, moved or
 * deleted outside the folder, none may stop the getter, and the good file behind them lands.
 */
class FileSecurityIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private FilesFixture fixture;

    @BeforeEach
    void fixture() throws Exception {
        fixture = new FilesFixture(dir);
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void linksAndPathsOutOfTheFolderAreNeverFollowedAndBombsAreQuarantined() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.csv"), "id,amount,note\n666,6.66,the host's own file\n");
        Files.createSymbolicLink(fixture.inbox.resolve("passwd.csv"), Path.of("/etc/passwd"));
        Files.writeString(fixture.inbox.resolve("passwd.csv.done"), "");
        Files.createSymbolicLink(fixture.inbox.resolve("environ.csv"), Path.of("/proc/self/environ"));
        Files.writeString(fixture.inbox.resolve("environ.csv.done"), "");
        Files.createSymbolicLink(fixture.inbox.resolve("secret.csv"), secret);
        Files.writeString(fixture.inbox.resolve("secret.csv.done"), "");
        // One line of 8 MiB in a gzip of a few KiB, and a gzip decompressing past the source's cap.
        fixture.drop("one-line.csv.gz", FilesFixture.gzip("id,amount,note\n1,1,\"" + "x".repeat(8 << 20) + "\"\n"));
        StringBuilder many = new StringBuilder("id,amount,note\n");
        for (int i = 0; i < 300_000; i++) {
            many.append(i).append(",1,padding padding padding padding\n");
        }
        fixture.drop("bomb.csv.gz", FilesFixture.gzip(many.toString()));

        ConfigurableApplicationContext getter = fixture.start(
                "--sluice.getter.files.sources[0].max-line-bytes=1MB",
                "--sluice.getter.files.sources[0].max-decompressed-bytes=4MB");
        // A ledger row planted with a path out of the folder (as a forged file name or a hostile state database would).
        fixture.state.execute("INSERT INTO sluice.files (source, path, size, mtime, checksum) VALUES"
                + " ('partners', '../secret.csv', 1, now(), 'planted')");
        awaitState("../secret.csv", "quarantined");
        awaitState("one-line.csv.gz", "quarantined");
        awaitState("bomb.csv.gz", "quarantined");
        fixture.drop("good.csv", "id,amount,note\n1,10.50,good\n".getBytes(UTF_8));
        awaitState("good.csv", "done");

        assertThat(fixture.ledgerState("../secret.csv")).contains("is not a file of");
        assertThat(fixture.ledgerState("one-line.csv.gz")).contains("longer than 1048576 characters");
        assertThat(fixture.ledgerState("bomb.csv.gz")).contains("decompresses to more than 4194304 bytes");
        assertThat(fixture.state.queryLong(
                        "SELECT count(*) FROM sluice.files WHERE path IN ('passwd.csv', 'environ.csv', 'secret.csv')"))
                .isZero();
        // The bomb's lines before its cap went out (a quarantined file keeps what it confirmed); nothing of the host's.
        List<List<String>> rows = FilesFixture.rows(fixture.drainBatches()).stream()
                .map(Row::values)
                .toList();
        assertThat(rows).contains(List.of("1", "10.50", "good"));
        assertThat(rows)
                .noneMatch(values -> values.get(2).equals("the host's own file")
                        || values.get(2).startsWith("xxx"));
        assertThat(rows).noneMatch(values -> values.get(2).contains("root:"));
        assertThat(fixture.drainDeadLetters()).isEmpty(); // nothing of /etc or /proc reached a dead letter either
        assertThat(secret).hasContent("id,amount,note\n666,6.66,the host's own file\n"); // not moved, not read
        assertThat(Files.isSymbolicLink(fixture.inbox.resolve("passwd.csv"))).isTrue(); // left alone
        assertThat(Path.of("/etc/passwd")).exists();
        assertThat(getter.isRunning()).isTrue();
    }

    @Test
    void withFollowSymlinksALinkInsideTheFolderIsReadAndOneOutsideIsNot() throws Exception {
        Path inside = Files.createDirectories(fixture.inbox.resolve("incoming"));
        Files.writeString(inside.resolve("real.csv"), "id,amount,note\n2,2.00,through a link\n");
        Files.createSymbolicLink(fixture.inbox.resolve("linked.csv"), inside.resolve("real.csv"));
        Files.writeString(fixture.inbox.resolve("linked.csv.done"), "");
        Files.createSymbolicLink(fixture.inbox.resolve("passwd.csv"), Path.of("/etc/passwd"));
        Files.writeString(fixture.inbox.resolve("passwd.csv.done"), "");
        fixture.start("--sluice.getter.files.sources[0].follow-symlinks=true");
        awaitState("linked.csv", "done");
        fixture.drop("last.csv", "id,amount,note\n3,3.00,last\n".getBytes(UTF_8));
        awaitState("last.csv", "done");
        assertThat(fixture.ledgerState("passwd.csv")).isNull();
        assertThat(FilesFixture.rows(fixture.drainBatches()))
                .extracting(Row::values)
                .containsExactlyInAnyOrder(List.of("2", "2.00", "through a link"), List.of("3", "3.00", "last"));
    }

    private void awaitState(String file, String state) {
        await().atMost(WAIT).until(() -> {
            String now = fixture.ledgerState(file);
            return now != null && now.startsWith(state);
        });
    }
}
