package io.sluice.getter.files;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.GetResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Files from a directory into batches: versioned by the ledger, each content once, bad lines and files set aside. */
class FileIngestionIT {

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
    void aFileIsPublishedVersionedByTheLedgerArchivedAndItsCopyIsNeverLoadedAgain() throws Exception {
        ConfigurableApplicationContext getter = fixture.start("--server.port=0");
        fixture.drop("orders-1.csv", "note,id,amount\r\nfirst,1,10.50\r\n\"with, comma\",2,20\r\n".getBytes(UTF_8));
        awaitState("orders-1.csv", "done");

        List<ChangeBatch> batches = fixture.drainBatches();
        assertThat(batches).singleElement().satisfies(batch -> {
            assertThat(batch.source()).isEqualTo("partners");
            assertThat(batch.origin()).isEqualTo(Origin.FILE);
            assertThat(batch.table()).hasToString("shop.orders");
            assertThat(batch.columns())
                    .containsExactly(
                            new Column("id", "int8", true),
                            new Column("amount", "numeric(12,2)", false),
                            new Column("note", "text", false));
        });
        List<Row> rows = FilesFixture.rows(batches);
        assertThat(rows)
                .extracting(Row::values)
                .containsExactly(List.of("1", "10.50", "first"), List.of("2", "20", "with, comma"));
        long version = fileVersion("orders-1.csv");
        assertThat(rows).extracting(Row::lsn).containsOnly(version);
        assertThat(rows).extracting(Row::seq).containsExactly(1L, 2L);
        await().atMost(WAIT).until(() -> Files.exists(fixture.inbox.resolve("archive/orders-1.csv")));
        assertThat(fixture.inbox.resolve("orders-1.csv")).doesNotExist();
        assertThat(fixture.inbox.resolve("archive/orders-1.csv.done")).exists();

        // The same content under another name is not loaded again; a later file's rows carry a higher version.
        fixture.drop("orders-1-again.csv", Files.readAllBytes(fixture.inbox.resolve("archive/orders-1.csv")));
        fixture.drop("orders-2.csv", "id,amount,note\n1,11,second\n".getBytes(UTF_8));
        awaitState("orders-2.csv", "done");
        await().atMost(WAIT).until(() -> Files.exists(fixture.inbox.resolve("archive/orders-1-again.csv")));
        assertThat(fixture.ledgerState("orders-1-again.csv")).isNull();
        List<Row> later = FilesFixture.rows(fixture.drainBatches());
        assertThat(later).extracting(Row::values).containsExactly(List.of("1", "11", "second"));
        assertThat(later.get(0).version()).isGreaterThan(rows.get(0).version());

        // Asked for over HTTP, a loaded file is read again from the archive, its rows winning over both earlier loads.
        HttpResponse<String> reload = post(getter, "/files/reload?source=partners&path=orders-1.csv");
        assertThat(reload.statusCode()).isEqualTo(202);
        assertThat(post(getter, "/files/reload?source=partners&path=nope.csv").statusCode())
                .isEqualTo(404);
        awaitState("orders-1.csv", "done");
        List<Row> reloaded = FilesFixture.rows(fixture.drainBatches());
        assertThat(reloaded)
                .extracting(Row::values)
                .containsExactly(List.of("1", "10.50", "first"), List.of("2", "20", "with, comma"));
        assertThat(reloaded.get(0).version()).isGreaterThan(later.get(0).version());

        int port = io.sluice.testkit.ActuatorProbe.managementPort(getter.getEnvironment());
        try (HttpClient http = HttpClient.newHttpClient()) {
            String health = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                                    .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION)
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(health).contains("\"files\"").contains("\"store\":\"" + fixture.inbox + "\"");
        }
    }

    private static HttpResponse<String> post(ConfigurableApplicationContext getter, String path) throws Exception {
        int port = ((WebServerApplicationContext) getter).getWebServer().getPort();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .header("Authorization", io.sluice.testkit.ServiceArgs.TEST_AUTHORIZATION)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void badLinesAreDeadLetteredWithFileAndLineAndAFileWithTooManyIsQuarantinedWhileOthersLoad() throws Exception {
        ConfigurableApplicationContext getter = fixture.start("--sluice.getter.files.sources[0].max-bad-ratio=0.2");
        StringBuilder few = new StringBuilder("id,amount,note\n");
        for (int i = 1; i <= 10; i++) {
            few.append(i == 4 ? "4,oops\n" : i + "," + i + ",ok\n");
        }
        fixture.drop("a-few-bad.csv", few.toString().getBytes(UTF_8));
        fixture.drop("b-mostly-bad.csv", "id,amount,note\n1,1,ok\n2\n3\n4,4\n".getBytes(UTF_8));
        fixture.drop("c-not-utf8.csv", "id,amount,note\n1,1,张三\n".getBytes(Charset.forName("GBK")));
        fixture.drop("d-good.csv", "id,amount,note\n100,1,fine\n".getBytes(UTF_8));
        awaitState("d-good.csv", "done");
        assertThat(fixture.ledgerState("a-few-bad.csv")).isEqualTo("done");
        assertThat(fixture.ledgerState("b-mostly-bad.csv"))
                .isEqualTo("quarantined: 3 bad lines of 4 read (0.750), above max-bad-ratio 0.200");
        assertThat(fixture.ledgerState("c-not-utf8.csv")).startsWith("quarantined: not valid UTF-8 text after");
        await().atMost(WAIT).until(() -> Files.exists(fixture.inbox.resolve("quarantine/b-mostly-bad.csv")));
        assertThat(fixture.inbox.resolve("quarantine/c-not-utf8.csv")).exists();

        List<Row> rows = FilesFixture.rows(fixture.drainBatches());
        // A quarantined file that is judged whole publishes none of its rows.
        assertThat(rows)
                .extracting(row -> row.values().get(0))
                .containsExactlyInAnyOrder("1", "2", "3", "5", "6", "7", "8", "9", "10", "100");
        List<GetResponse> dead = fixture.drainDeadLetters();
        assertThat(dead).singleElement().satisfies(letter -> {
            assertThat(new String(letter.getBody(), UTF_8)).isEqualTo("4,oops");
            var headers = letter.getProps().getHeaders();
            assertThat(headers.get("x-sluice-file")).hasToString("a-few-bad.csv");
            assertThat(headers.get("x-sluice-line")).isEqualTo(4L);
            assertThat(headers.get("x-sluice-error")).hasToString("a-few-bad.csv line 4: expected 3 fields, found 2");
            assertThat(headers.get("x-sluice-stage")).hasToString("getter");
        });
        assertThat(getter.getBean(MeterRegistry.class)
                        .get("sluice.dead.letters")
                        .tags("stage", "getter", "reason", "bad-line")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void gbkPipeDelimitedGzipAndJsonLinesFilesAreRead() throws Exception {
        Path gbkInbox = Files.createDirectories(dir.resolve("gbk"));
        fixture.start(
                "--sluice.getter.files.sources[0].max-bad-ratio=0.5",
                "--sluice.getter.files.sources[1].name=legacy",
                "--sluice.getter.files.sources[1].directory=" + gbkInbox,
                "--sluice.getter.files.sources[1].table=shop.customers",
                "--sluice.getter.files.sources[1].columns=id,name,city",
                "--sluice.getter.files.sources[1].charset=GBK",
                "--sluice.getter.files.sources[1].csv.header=false",
                "--sluice.getter.files.sources[1].csv.delimiter=|",
                "--sluice.getter.files.sources[1].csv.null-marker=\\N",
                "--sluice.getter.files.sources[1].on-done=delete");
        // Without a marker, a file is taken once its size stays the same over two polls.
        Files.write(gbkInbox.resolve("customers.txt"), "1|张三|北京\n2|李四|\\N\n".getBytes(Charset.forName("GBK")));
        fixture.drop("orders.csv.gz", FilesFixture.gzip("id,amount,note\n7,7.70,zipped\n"));
        fixture.drop(
                "orders.jsonl",
                "{\"id\": 8, \"amount\": 8.8, \"note\": \"json\", \"extra\": true}\n\n{\"id\": 9}\n[1]\n"
                        .getBytes(UTF_8));
        awaitState("orders.csv.gz", "done");
        awaitState("orders.jsonl", "done");
        await().atMost(WAIT).until(() -> !Files.exists(gbkInbox.resolve("customers.txt")));

        List<ChangeBatch> batches = fixture.drainBatches();
        assertThat(FilesFixture.rows(batches))
                .extracting(Row::values)
                .contains(
                        List.of("1", "张三", "北京"),
                        Arrays.asList("2", "李四", null),
                        List.of("7", "7.70", "zipped"),
                        List.of("8", "8.8", "json"),
                        Arrays.asList("9", null, null));
        Row nine = FilesFixture.rows(batches).stream()
                .filter(r -> r.values().get(0).equals("9"))
                .findFirst()
                .orElseThrow();
        assertThat(nine.seq()).isEqualTo(3); // line numbers count the blank line
        assertThat(fixture.drainDeadLetters())
                .singleElement()
                .satisfies(letter -> assertThat(letter.getProps().getHeaders().get("x-sluice-error"))
                        .hasToString("orders.jsonl line 4: not a JSON object but ARRAY"));
    }

    @Test
    void twoGettersSharingADirectoryLoadEachFileOnce() throws Exception {
        fixture.start("--sluice.getter.files.owner=getter-a");
        fixture.start("--sluice.getter.files.owner=getter-b", "--server.port=0");
        int files = 12;
        int lines = 2_000;
        for (int f = 0; f < files; f++) {
            StringBuilder csv = new StringBuilder("id,amount,note\n");
            for (int i = 0; i < lines; i++) {
                csv.append(f * lines + i).append(",1,x\n");
            }
            fixture.drop("part-" + f + ".csv", csv.toString().getBytes(UTF_8));
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() ->
                        fixture.state.queryLong("SELECT count(*) FROM sluice.files WHERE state = 'done'") == files);
        List<Row> rows = FilesFixture.rows(fixture.drainBatches());
        assertThat(rows).hasSize(files * lines);
        Set<String> ids = new TreeSet<>();
        rows.forEach(row -> ids.add(row.values().get(0)));
        assertThat(ids).hasSize(files * lines);
    }

    @Test
    void aGetterStoppedMidFileResumesAfterItsLastConfirmedLine() throws Exception {
        String[] slow = {
            "--sluice.getter.files.max-batch-rows=500",
            "--sluice.getter.files.max-in-flight-bytes=16KB",
            "--sluice.getter.files.progress-interval=50ms"
        };
        ConfigurableApplicationContext first = fixture.start(slow);
        int lines = 200_000;
        StringBuilder csv = new StringBuilder("id,amount,note\n");
        for (int i = 1; i <= lines; i++) {
            csv.append(i)
                    .append(",")
                    .append(i % 1000)
                    .append(".25,line ")
                    .append(i)
                    .append('\n');
        }
        fixture.drop("big.csv", csv.toString().getBytes(UTF_8));
        await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(20))
                .until(() ->
                        fixture.state.queryLong("SELECT coalesce(max(confirmed_line), 0) FROM sluice.files") > 5_000);
        first.close();
        long confirmed = fixture.state.queryLong("SELECT confirmed_line FROM sluice.files");
        assertThat(fixture.ledgerState("big.csv")).isEqualTo("loading");
        assertThat(confirmed).isLessThan(lines);
        List<Row> before = FilesFixture.rows(fixture.drainBatches());

        fixture.start(slow);
        awaitState("big.csv", "done");
        List<Row> after = FilesFixture.rows(fixture.drainBatches());
        assertThat(after.stream().mapToLong(Row::seq).min().orElseThrow()).isEqualTo(confirmed + 1);
        Set<Long> seen = new TreeSet<>();
        List<Row> all = new ArrayList<>(before);
        all.addAll(after);
        for (Row row : all) {
            seen.add(row.seq());
            assertThat(row.values().get(0)).isEqualTo(Long.toString(row.seq())); // line n holds id n
        }
        assertThat(seen).hasSize(lines); // no gap; duplicates are only lines sent after the last confirmed one
        assertThat(all.size() - lines).isLessThanOrEqualTo((int) (before.size() - confirmed));
        assertThat(fixture.state.queryLong("SELECT rows FROM sluice.files")).isEqualTo(lines);
    }

    private void awaitState(String file, String state) {
        await().atMost(WAIT).until(() -> state.equals(fixture.ledgerState(file)));
    }

    private long fileVersion(String file) {
        return fixture.state.queryLong("SELECT version FROM sluice.files WHERE path = '" + file + "'");
    }
}
