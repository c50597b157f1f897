package io.sluice.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.amqp.Topology;
import io.sluice.getter.GetterApplication;
import io.sluice.handler.HandlerApplication;
import io.sluice.loader.LoaderApplication;
import io.sluice.testkit.RabbitBroker;
import io.sluice.testkit.TableDiff;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A corpus of hostile CSV and JSON-lines files of the kinds real exports have, each loaded by Sluice and — into a
 * reference table — by PostgreSQL's own {@code COPY … (FORMAT csv, HEADER true)} (or its JSON parser); the two are
 * compared as multisets. Every difference must be explained by a quarantine or a dead letter naming the file and line;
 * a broken file does not block the good one behind it.
 */
class FileCorpusIT {

    private final TestDatabase target = TestPostgres.get().newDatabase("corpus_target");
    private final TestDatabase state = TestPostgres.get().newDatabase("corpus_state");
    private final String prefix = RabbitBroker.uniquePrefix("corpus");
    private final Topology names = new Topology(prefix, List.of("warehouse"));
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        services.reversed().forEach(ConfigurableApplicationContext::close);
        RabbitBroker.get().delete(names.queues(), names.exchanges());
    }

    @Test
    void everyFileLandsAsPostgresReadsItOrIsSetAsideWithFileAndLine() throws Exception {
        Path csv = Files.createDirectories(dir.resolve("csv"));
        Path gbk = Files.createDirectories(dir.resolve("gbk"));
        Path jsonl = Files.createDirectories(dir.resolve("jsonl"));
        Map<String, byte[]> csvFiles = new LinkedHashMap<>();
        String header = "a,b,n\n";
        csvFiles.put("01-basic.csv", (header + "x,y,1\nz,w,2.5\n").getBytes(UTF_8));
        csvFiles.put(
                "02-quoted.csv",
                (header + "\"a, comma\",\"say \"\"hi\"\"\",3\n\"multi\nline\",\"crlf\r\ninside\",4\n").getBytes(UTF_8));
        csvFiles.put("03-crlf.csv", "a,b,n\r\nc1,c2,5\r\nc3,c4,6\r\n".getBytes(UTF_8));
        csvFiles.put("04-no-final-newline.csv", (header + "last,line,7").getBytes(UTF_8));
        csvFiles.put("05-nulls.csv", (header + ",,\n\"\",\"\",\n\"\",x,8\n").getBytes(UTF_8));
        csvFiles.put(
                "06-bom.csv",
                concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, (header + "bom,row,9\n").getBytes(UTF_8)));
        csvFiles.put("07-unicode.csv", (header + "中文,emoji 😀,10\ne\u0301 combining,\u00a0nbsp,11\n").getBytes(UTF_8));
        csvFiles.put("08-big-field.csv", (header + "big,\"" + "x".repeat(2 << 20) + "\",12\n").getBytes(UTF_8));
        csvFiles.put("09-spaces.csv", (header + "  lead,trail  ,13\n\" quoted \", ,14\n").getBytes(UTF_8));
        csvFiles.put("10-backslash.csv", (header + "a\\b,\\N,15\n\"\\N\",\\\\,16\n").getBytes(UTF_8));
        csvFiles.put("11-duplicates.csv", (header + "dup,row,17\ndup,row,17\n").getBytes(UTF_8));
        csvFiles.put("12-duplicates-again.csv", (header + "dup,row,17\nother,row,18\n").getBytes(UTF_8));
        csvFiles.put("13-gzip.csv.gz", gzip((header + "gz,one,19\ngz,two,20\n").getBytes(UTF_8)));
        csvFiles.put(
                "14-numbers.csv",
                (header + "n,big,123456789012345678901234567890.123456789\nn,neg,-0.00001\n").getBytes(UTF_8));
        csvFiles.put("15-quote-only-field.csv", (header + "\"\"\"\",\"\"\"\"\"\",21\n").getBytes(UTF_8));
        csvFiles.put("16-header-reordered-semantics.csv", (header + "tab\there,semi;colon,22\n").getBytes(UTF_8));
        // Set aside: one line with too many fields (dead-lettered, the rest lands), a NUL byte the warehouse refuses
        // (dead-lettered by the loader with file and line), and an unterminated quote (quarantined, the lines before
        // it land).
        byte[] extraField = (header + "ok,row,23\nbad,row,24,extra\nok,again,25\n").getBytes(UTF_8);
        byte[] nul = (header + "nul\u0000byte,row,26\nfine,row,27\n").getBytes(UTF_8);
        byte[] brokenQuote = (header + "before,the break,28\n\"never,closed,29\nlost,line,30\n").getBytes(UTF_8);
        Map<String, byte[]> gbkFiles = Map.of(
                "17-gbk.csv", (header + "张三,北京,31\n李四,\"上海, 浦东\",32\n").getBytes(Charset.forName("GBK")),
                "18-gbk-more.csv", (header + "王五,广州,33\n").getBytes(Charset.forName("GBK")));
        String json = String.join(
                "\n",
                "{\"id\": \"j1\", \"amount\": 12345678901234567.89, \"payload\": {\"b\": 1,  \"a\": [1, 2.50]}}",
                "{\"id\": \"j2\", \"amount\": 0.1234567890123456789, \"payload\": null}",
                "{\"id\": \"j3\", \"amount\": 1.50, \"payload\": \"a \\\"string\\\" \\u00e9\"}",
                "",
                "{\"id\": \"j4\", \"amount\": 1e3, \"payload\": [true, false, null, \"x\"]}",
                "{\"amount\": -0, \"id\": \"j5\", \"payload\": 7, \"ignored\": {\"deep\": [1]}}");
        byte[] jsonFile = (json + "\n").getBytes(UTF_8);

        target.execute(
                "CREATE TABLE ref_csv (a text, b text, n numeric)",
                "CREATE TABLE ref_gbk (a text, b text, n numeric)",
                "CREATE TABLE ref_json (id text, amount numeric, payload text)");
        for (Map.Entry<String, byte[]> file : csvFiles.entrySet()) {
            copy(
                    "ref_csv",
                    file.getKey().endsWith(".gz")
                            ? (header + "gz,one,19\ngz,two,20\n").getBytes(UTF_8)
                            : file.getValue(),
                    "UTF8");
        }
        copy("ref_csv", (header + "ok,row,23\nok,again,25\n").getBytes(UTF_8), "UTF8"); // extraField minus its bad line
        copy("ref_csv", (header + "fine,row,27\n").getBytes(UTF_8), "UTF8"); // nul minus the refused row
        copy("ref_csv", (header + "before,the break,28\n").getBytes(UTF_8), "UTF8"); // brokenQuote before the break
        for (Map.Entry<String, byte[]> file : gbkFiles.entrySet()) {
            copy("ref_gbk", file.getValue(), "GBK");
        }
        // PostgreSQL's JSON parser: ->> unescapes a string, -> keeps any other value's text as written.
        try (java.sql.Connection c = target.connect()) {
            c.setAutoCommit(false);
            try (java.sql.Statement s = c.createStatement()) {
                s.execute("CREATE TEMP TABLE lines (j json) ON COMMIT DROP");
                for (String line : json.split("\n")) {
                    if (!line.isBlank()) {
                        s.execute("INSERT INTO lines VALUES ('" + line.replace("'", "''") + "')");
                    }
                }
                s.execute("INSERT INTO ref_json SELECT j->>'id', (j->>'amount')::numeric,"
                        + " CASE json_typeof(j->'payload') WHEN 'null' THEN NULL WHEN 'string' THEN j->>'payload'"
                        + " ELSE (j->'payload')::text END FROM lines");
            }
            c.commit();
        }

        services.add(LoaderApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--spring.datasource.url=" + target.jdbcUrl(),
                                "--sluice.loader.allowed-targets=public.corpus_*")));
        services.add(HandlerApplication.create().run(RabbitBroker.get().serviceArgs(prefix)));
        services.add(GetterApplication.create()
                .run(RabbitBroker.get()
                        .serviceArgs(
                                prefix,
                                "--sluice.getter.cdc.enabled=false",
                                "--spring.datasource.url=" + state.jdbcUrl(),
                                "--sluice.getter.files.poll-interval=200ms",
                                "--sluice.getter.files.sources[0].name=csv",
                                "--sluice.getter.files.sources[0].directory=" + csv,
                                "--sluice.getter.files.sources[0].marker=.done",
                                "--sluice.getter.files.sources[0].table=public.corpus_csv",
                                "--sluice.getter.files.sources[0].columns=a,b,n",
                                "--sluice.getter.files.sources[0].types.n=numeric",
                                "--sluice.getter.files.sources[0].max-bad-ratio=0.5",
                                "--sluice.getter.files.sources[1].name=gbk",
                                "--sluice.getter.files.sources[1].directory=" + gbk,
                                "--sluice.getter.files.sources[1].marker=.done",
                                "--sluice.getter.files.sources[1].table=public.corpus_gbk",
                                "--sluice.getter.files.sources[1].columns=a,b,n",
                                "--sluice.getter.files.sources[1].types.n=numeric",
                                "--sluice.getter.files.sources[1].charset=GBK",
                                "--sluice.getter.files.sources[2].name=jsonl",
                                "--sluice.getter.files.sources[2].directory=" + jsonl,
                                "--sluice.getter.files.sources[2].marker=.done",
                                "--sluice.getter.files.sources[2].table=public.corpus_json",
                                "--sluice.getter.files.sources[2].columns=id,amount,payload",
                                "--sluice.getter.files.sources[2].types.amount=numeric")));

        // The broken file comes first in its folder: the files behind it must not wait for it.
        drop(csv, "00-broken-quote.csv", brokenQuote);
        for (Map.Entry<String, byte[]> file : csvFiles.entrySet()) {
            drop(csv, file.getKey(), file.getValue());
        }
        drop(csv, "19-extra-field.csv", extraField);
        drop(csv, "20-nul-byte.csv", nul);
        for (Map.Entry<String, byte[]> file : gbkFiles.entrySet()) {
            drop(gbk, file.getKey(), file.getValue());
        }
        drop(jsonl, "21-numbers.jsonl", jsonFile);

        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(TableDiff.differences(target, "ref_csv", target, "corpus_csv", "a, b, n::text", 20))
                            .isEmpty();
                    assertThat(TableDiff.differences(target, "ref_gbk", target, "corpus_gbk", "a, b, n::text", 20))
                            .isEmpty();
                    assertThat(TableDiff.differences(
                                    target, "ref_json", target, "corpus_json", "id, amount::text, payload", 20))
                            .isEmpty();
                });
        assertThat(state.queryValue(
                        "SELECT state || ': ' || reason FROM sluice.files WHERE path = '00-broken-quote.csv'"))
                .asString()
                .startsWith("quarantined: malformed CSV");
        assertThat(state.queryLong("SELECT count(*) FROM sluice.files WHERE state <> 'done'"
                        + " AND path <> '00-broken-quote.csv'"))
                .isZero();
        // The set-aside rows say where they came from: the getter's bad line, and the loader's refused row.
        Map<String, Object> getterDead = deadLetter(Topology.Stage.GETTER);
        assertThat(getterDead)
                .containsEntry(BatchMessages.HEADER_FILE, "19-extra-field.csv")
                .containsEntry(BatchMessages.HEADER_LINE, 2L);
        Map<String, Object> loaderDead = deadLetter(Topology.Stage.LOADER);
        assertThat(loaderDead)
                .containsEntry(BatchMessages.HEADER_FILE, "20-nul-byte.csv")
                .containsEntry(BatchMessages.HEADER_LINE, 1L);
        assertThat(String.valueOf(loaderDead.get(BatchMessages.HEADER_ERROR)))
                .contains("file 20-nul-byte.csv, line 1")
                .doesNotContain("sluice_stage");
    }

    private Map<String, Object> deadLetter(Topology.Stage stage) throws Exception {
        try (Connection connection = RabbitBroker.get().newConnection();
                Channel channel = connection.createChannel()) {
            GetResponse[] dead = new GetResponse[1];
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> (dead[0] = channel.basicGet(names.deadLetterQueue(stage), true)) != null);
            Map<String, Object> headers = new LinkedHashMap<>();
            dead[0].getProps()
                    .getHeaders()
                    .forEach((k, v) -> headers.put(k, v instanceof Number n ? n.longValue() : String.valueOf(v)));
            return headers;
        }
    }

    private void copy(String table, byte[] content, String encoding) throws Exception {
        try (java.sql.Connection c = target.connect()) {
            c.unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn(
                            "COPY " + table + " FROM STDIN (FORMAT csv, HEADER true, ENCODING '" + encoding + "')",
                            new ByteArrayInputStream(content));
        }
    }

    private static void drop(Path folder, String name, byte[] content) throws Exception {
        Files.write(folder.resolve(name), content);
        Files.writeString(folder.resolve(name + ".done"), "");
    }

    private static byte[] gzip(byte[] content) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content);
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
