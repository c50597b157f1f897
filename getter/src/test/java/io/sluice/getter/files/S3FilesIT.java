package io.sluice.getter.files;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.common.batch.Row;
import io.sluice.testkit.InJvmS3;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Files from an S3-compatible bucket (S3Proxy in the test JVM): loaded once, archived under the prefix. */
class S3FilesIT {

    private static final String BUCKET = "partner-drop";

    @TempDir
    Path dir;

    @Test
    void objectsUnderThePrefixAreLoadedOnceAndArchived() throws Exception {
        try (InJvmS3 s3 = new InJvmS3();
                S3Client client = s3.client();
                FilesFixture fixture = new FilesFixture(dir)) {
            client.createBucket(create -> create.bucket(BUCKET));
            put(client, "inbox/orders-1.csv", "id,amount,note\n1,10,from s3\n2,20,from s3\n");
            put(client, "inbox/readme.txt", "not matched by the glob");
            put(client, "elsewhere/orders-9.csv", "id,amount,note\n9,9,not under the prefix\n");
            fixture.start(
                    "--sluice.getter.files.sources[0].directory=",
                    "--sluice.getter.files.sources[0].marker=",
                    "--sluice.getter.files.sources[0].glob=*.csv",
                    "--sluice.getter.files.sources[0].s3.bucket=" + BUCKET,
                    "--sluice.getter.files.sources[0].s3.prefix=inbox",
                    "--sluice.getter.files.sources[0].s3.endpoint=" + s3.endpoint(),
                    "--sluice.getter.files.sources[0].s3.path-style=true",
                    "--sluice.getter.files.sources[0].s3.access-key=" + InJvmS3.ACCESS_KEY,
                    "--sluice.getter.files.sources[0].s3.secret-key=" + InJvmS3.SECRET_KEY);

            await().atMost(Duration.ofSeconds(30)).until(() -> "done".equals(fixture.ledgerState("orders-1.csv")));
            List<Row> rows = FilesFixture.rows(fixture.drainBatches());
            assertThat(rows)
                    .extracting(Row::values)
                    .containsExactly(List.of("1", "10", "from s3"), List.of("2", "20", "from s3"));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> keys(client, "inbox/").contains("inbox/archive/orders-1.csv"));
            assertThat(keys(client, "inbox/")).doesNotContain("inbox/orders-1.csv");

            // The same content uploaded again under another name is recognised by its ETag and not loaded again.
            put(client, "inbox/orders-1-again.csv", "id,amount,note\n1,10,from s3\n2,20,from s3\n");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> keys(client, "inbox/").contains("inbox/archive/orders-1-again.csv"));
            assertThat(fixture.drainBatches()).isEmpty();
            assertThat(keys(client, "elsewhere/")).containsExactly("elsewhere/orders-9.csv");
        }
    }

    private static void put(S3Client client, String key, String content) {
        client.putObject(put -> put.bucket(BUCKET).key(key), RequestBody.fromBytes(content.getBytes(UTF_8)));
    }

    private static List<String> keys(S3Client client, String prefix) {
        return client.listObjectsV2(list -> list.bucket(BUCKET).prefix(prefix)).contents().stream()
                .map(S3Object::key)
                .toList();
    }
}
