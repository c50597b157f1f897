package io.sluice.loader;

import static io.sluice.loader.AccountChanges.ACCOUNTS;
import static io.sluice.loader.AccountChanges.COLUMNS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Origin;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.common.s3.S3Settings;
import io.sluice.loader.objectstorage.ObjectStorageSink;
import io.sluice.loader.objectstorage.ObjectStorageSinkProperties;
import io.sluice.testkit.ActuatorProbe;
import io.sluice.testkit.InJvmS3;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.io.ByteArrayInputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.springframework.amqp.core.Message;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The loader's object-storage sink against an in-JVM S3 server: files per table and window with the latest row per
 * key, announced by manifests only once stored; loading every manifest's files with COPY reproduces the source.
 */
class LoaderObjectStorageIT {

    static final String BUCKET = "warehouse-exports";
    static final String STAGING = "CREATE TABLE staging (id int8, balance numeric, owner text, _sluice_lsn int8,"
            + " _sluice_seq int8, _sluice_deleted boolean, _sluice_unchanged text[])";

    final InJvmS3 server = start();
    final S3Client s3 = server.client();
    final TestDatabase warehouse = TestPostgres.get().newDatabase("exports");
    final JsonMapper json = JsonMapper.builder().build();
    LoaderFixture fixture;

    private static InJvmS3 start() {
        try {
            InJvmS3 server = new InJvmS3();
            server.client().createBucket(create -> create.bucket(BUCKET));
            return server;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        s3.close();
        server.close();
    }

    @Test
    void duplicatedAndShuffledChangesLoadedFromEveryManifestsFilesWithCopyReproduceTheSource() throws Exception {
        fixture = new LoaderFixture("jdbc:postgresql://unused/since-the-sink-is-object-storage");
        fixture.startLoader(
                "--sluice.loader.sink=object-storage",
                "--sluice.loader.object-storage.s3.bucket=" + BUCKET,
                "--sluice.loader.object-storage.s3.prefix=cdc",
                "--sluice.loader.object-storage.s3.endpoint=" + server.endpoint(),
                "--sluice.loader.object-storage.s3.access-key=" + InJvmS3.ACCESS_KEY,
                "--sluice.loader.object-storage.s3.secret-key=" + InJvmS3.SECRET_KEY,
                "--sluice.loader.object-storage.s3.path-style=true");
        Random random = new Random(3);
        AccountChanges changes = AccountChanges.generate(random, 400, 40);
        changes.deliveries(random).forEach(fixture::send);
        fixture.awaitQueueEmpty();

        List<String> manifests = keys("cdc/public.accounts/").stream()
                .filter(k -> k.endsWith("/manifest.json"))
                .toList();
        assertThat(manifests).isNotEmpty();
        warehouse.execute(STAGING);
        for (String manifest : manifests) {
            loadWindow(manifest);
        }
        assertThat(latestLiveRows()).isEqualTo(changes.expected());

        // A keyless table cannot be kept latest per key: its batch is dead-lettered with the reason.
        fixture.send(new ChangeBatch(
                "bank",
                Origin.CDC,
                new TableName("public", "events"),
                List.of(new Column("body", "text", false)),
                List.of(new Row(Op.INSERT, 9, 1, Instant.now(), List.of("no key"), List.of()))));
        Message dead = fixture.deadLetter(Duration.ofSeconds(20));
        assertThat(dead).isNotNull();
        assertThat((String) dead.getMessageProperties().getHeader(BatchMessages.HEADER_ERROR))
                .contains("has no key");

        // A forged batch of a table outside the allow-list (public.*, as nothing here names the tables) writes no file.
        fixture.sendInsert(
                new TableName("billing", "secrets"), List.of(new Column("id", "bigint", true)), 9, List.of("1"));
        assertThat(fixture.nextDeadLetterReason()).contains("billing.secrets is not an allowed target");
        fixture.awaitQueueEmpty();
        assertThat(keys("cdc/billing.secrets/")).isEmpty();
    }

    @Test
    void aCrashBetweenObjectAndManifestAnnouncesNothingAndTheRetryWritesNoDuplicateFile() throws Exception {
        AtomicInteger manifestWritesToFail = new AtomicInteger(1);
        ObjectStorageSink sink = new ObjectStorageSink(failingManifests(manifestWritesToFail), properties("1h"));
        Instant hour = Instant.parse("2026-12-03T07:00:00Z");
        List<ChangeBatch> group = List.of(
                accounts(
                        row(Op.INSERT, 10, hour.plusSeconds(5), "1", "10.00", "ann"),
                        row(Op.UPDATE, 20, hour.plusSeconds(6), "1", "11.00", "ann"),
                        row(Op.INSERT, 30, hour.plusSeconds(3_700), "2", "2.50", "\"quoted\", comma\nline"),
                        row(Op.INSERT, 35, hour.plusSeconds(3_700), "4", null, "")),
                accounts(row(Op.DELETE, 40, hour.plusSeconds(3_701), "3", null, null)));

        assertThatThrownBy(() -> sink.write(group)).hasMessageContaining("injected");
        List<String> afterCrash = keys("");
        assertThat(afterCrash)
                .as("a window's file was stored, and no manifest announces it")
                .hasSize(2)
                .allMatch(k -> k.endsWith(".csv.gz"));

        sink.write(group); // the retry of the same group
        sink.write(group); // and a redelivery after an ack that was lost
        List<String> stored = new ArrayList<>(afterCrash);
        stored.add("exports/public.accounts/window=20261203T070000Z/manifest.json");
        stored.add("exports/public.accounts/window=20261203T080000Z/manifest.json");
        assertThat(keys("")).as("the same files again, now announced").containsExactlyInAnyOrderElementsOf(stored);
        JsonNode first = manifest("exports/public.accounts/window=20261203T070000Z/manifest.json");
        assertThat(first.get("files")).hasSize(1);
        assertThat(first.get("files").get(0).get("rows").asInt()).isEqualTo(1);
        assertThat(first.get("window_start").asString()).isEqualTo("2026-12-03T07:00:00Z");
        JsonNode second = manifest("exports/public.accounts/window=20261203T080000Z/manifest.json");
        assertThat(second.get("files").get(0).get("rows").asInt()).isEqualTo(3);
        assertThat(second.get("files").get(0).get("deleted").asInt()).isEqualTo(1);

        warehouse.execute(STAGING);
        loadWindow("exports/public.accounts/window=20261203T070000Z/manifest.json");
        loadWindow("exports/public.accounts/window=20261203T080000Z/manifest.json");
        assertThat(warehouse.query("SELECT id, balance::text, owner, _sluice_deleted FROM staging ORDER BY id"))
                .containsExactly(
                        Arrays.asList(1L, "11.00", "ann", false),
                        Arrays.asList(2L, "2.50", "\"quoted\", comma\nline", false),
                        Arrays.asList(3L, null, null, true),
                        Arrays.asList(4L, null, "", false));
    }

    @Test
    void loadersAddingToOneManifestAtOnceLoseNoFile() throws Exception {
        Instant hour = Instant.parse("2026-12-03T07:00:00Z");
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int loader = 0; loader < 4; loader++) {
            ObjectStorageSink sink = new ObjectStorageSink(s3, properties("1h"));
            int first = loader * 100;
            writers.add(CompletableFuture.runAsync(() -> {
                for (int id = first; id < first + 10; id++) {
                    try {
                        sink.write(List.of(accounts(row(Op.INSERT, id + 1, hour, "" + id, "1.00", "o"))));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        writers.forEach(CompletableFuture::join);
        JsonNode manifest = manifest("exports/public.accounts/window=20261203T070000Z/manifest.json");
        assertThat(manifest.get("files")).hasSize(40);
        // What keeps them apart across JVMs: the store refuses a manifest write made over another one.
        String key = "exports/public.accounts/window=20261203T070000Z/manifest.json";
        assertThatThrownBy(() ->
                        s3.putObject(put -> put.bucket(BUCKET).key(key).ifNoneMatch("*"), RequestBody.fromString("{}")))
                .isInstanceOf(S3Exception.class)
                .hasMessageContaining("412");
    }

    @Test
    void aLoaderWhoseBucketIsMissingIsLiveButNotReadyUntilItExists() {
        fixture = new LoaderFixture("jdbc:postgresql://unused/since-the-sink-is-object-storage");
        ActuatorProbe probe = ActuatorProbe.of(fixture.startLoader(
                        "--sluice.loader.sink=object-storage",
                        "--sluice.loader.object-storage.s3.bucket=not-made-yet",
                        "--sluice.loader.object-storage.s3.endpoint=" + server.endpoint(),
                        "--sluice.loader.object-storage.s3.access-key=" + InJvmS3.ACCESS_KEY,
                        "--sluice.loader.object-storage.s3.secret-key=" + InJvmS3.SECRET_KEY,
                        "--sluice.loader.object-storage.s3.path-style=true")
                .getEnvironment());
        assertThat(probe.status("/actuator/health/liveness")).isEqualTo(200);
        assertThat(probe.status("/actuator/health/readiness")).isEqualTo(503);
        s3.createBucket(create -> create.bucket("not-made-yet"));
        await().atMost(Duration.ofSeconds(30)).until(() -> probe.status("/actuator/health/readiness") == 200);
    }

    @Test
    void withoutABucketTheLoaderStopsSayingWhichPropertyIsMissing() {
        try (LoaderFixture bucketless = new LoaderFixture("jdbc:postgresql://unused")) {
            assertThatThrownBy(() -> bucketless.startLoader("--sluice.loader.sink=object-storage"))
                    .hasStackTraceContaining("sluice.loader.object-storage.s3.bucket is required");
        }
    }

    private ObjectStorageSinkProperties properties(String window) {
        return new ObjectStorageSinkProperties(
                new S3Settings(
                        BUCKET,
                        "exports",
                        server.endpoint(),
                        "us-east-1",
                        InJvmS3.ACCESS_KEY,
                        InJvmS3.SECRET_KEY,
                        true),
                Duration.parse("PT" + window.toUpperCase()));
    }

    /** The server's client, with the next {@code failures} manifest writes failing as a crash before them would. */
    private S3Client failingManifests(AtomicInteger failures) {
        return (S3Client) Proxy.newProxyInstance(
                S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class}, (proxy, method, args) -> {
                    if (method.getName().equals("putObject")
                            && args[0] instanceof PutObjectRequest put
                            && put.key().endsWith("manifest.json")
                            && failures.getAndDecrement() > 0) {
                        throw SdkClientException.create("injected: the loader died before the manifest");
                    }
                    try {
                        return method.invoke(s3, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Loads every file the manifest lists into the staging table with COPY, checking each file's row count. */
    private void loadWindow(String manifestKey) throws Exception {
        JsonNode manifest = manifest(manifestKey);
        String window = manifestKey.substring(0, manifestKey.lastIndexOf('/') + 1);
        try (Connection connection = warehouse.connect()) {
            for (JsonNode file : manifest.get("files")) {
                byte[] gz = s3.getObjectAsBytes(get ->
                                get.bucket(BUCKET).key(window + file.get("name").asString()))
                        .asByteArray();
                long copied = connection
                        .unwrap(PGConnection.class)
                        .getCopyAPI()
                        .copyIn(
                                "COPY staging FROM STDIN (FORMAT csv, HEADER true)",
                                new GZIPInputStream(new ByteArrayInputStream(gz)));
                assertThat(copied).isEqualTo(file.get("rows").asLong());
            }
        }
    }

    /** What a warehouse merge makes of the staging table: the newest version per key, deletes dropped. */
    private Map<Long, List<String>> latestLiveRows() {
        warehouse.execute("CREATE TABLE accounts AS SELECT DISTINCT ON (id) * FROM staging"
                + " ORDER BY id, _sluice_lsn DESC, _sluice_seq DESC");
        warehouse.execute("DELETE FROM accounts WHERE _sluice_deleted");
        return AccountChanges.targetRows(warehouse);
    }

    private JsonNode manifest(String key) {
        return json.readTree(
                s3.getObjectAsBytes(get -> get.bucket(BUCKET).key(key)).asByteArray());
    }

    private List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(list -> list.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key)
                .toList();
    }

    private static ChangeBatch accounts(Row... rows) {
        return new ChangeBatch("bank", Origin.CDC, ACCOUNTS, COLUMNS, List.of(rows));
    }

    private static Row row(Op op, long lsn, Instant ts, String... values) {
        return new Row(op, lsn, 1, ts, Arrays.asList(values), List.of());
    }
}
