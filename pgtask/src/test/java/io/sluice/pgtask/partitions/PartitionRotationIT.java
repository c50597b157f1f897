package io.sluice.pgtask.partitions;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.s3.S3Settings;
import io.sluice.pgtask.PgTaskProperties;
import io.sluice.pgtask.PgTaskProperties.RetentionMode;
import io.sluice.pgtask.runner.Ddl;
import io.sluice.testkit.InJvmS3;
import io.sluice.testkit.TestDatabase;
import io.sluice.testkit.TestPostgres;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import software.amazon.awssdk.services.s3.S3Client;

/** Partitions premade ahead of a moving clock, rows moved out of the default partition, old ones retired. */
class PartitionRotationIT {

    private final TestDatabase db = TestPostgres.get().newDatabase("partitions");
    private final Ddl ddl = new Ddl(Duration.ofSeconds(2), Duration.ofMinutes(1));

    @TempDir
    Path exports;

    @Test
    void premakesMovesWaitingRowsAndExportsThenDropsPartitionsPastTheRetention() throws Exception {
        db.execute("CREATE TABLE events (id bigint, at timestamptz NOT NULL, note text) PARTITION BY RANGE (at)");
        PartitionRotation job = job("daily", Duration.ofDays(3), RetentionMode.EXPORT);

        String first = job.run(Instant.parse("2026-11-30T10:00:00Z"));
        assertThat(first).contains("events_p20261130", "events_p20261201", "events_p20261202");
        assertThat(partitions())
                .containsExactly("events_default", "events_p20261130", "events_p20261201", "events_p20261202");

        db.execute(
                "INSERT INTO events VALUES (1, '2026-11-30 12:00+00', 'today'), (2, '2026-12-05 08:00+00', 'early')");
        assertThat(db.queryLong("SELECT count(*) FROM ONLY events_default")).isEqualTo(1); // no partition yet

        job.run(Instant.parse("2026-12-03T10:00:00Z")); // premakes up to 12-05: the waiting row moves there
        assertThat(db.queryLong("SELECT count(*) FROM events_default")).isZero();
        assertThat(db.queryValue("SELECT note FROM events_p20261205")).isEqualTo("early");
        assertThat(db.queryLong("SELECT count(*) FROM events")).isEqualTo(2);

        String retire = job.run(Instant.parse("2026-12-04T01:00:00Z")); // horizon 12-01 01:00: only 11-30 is past it
        assertThat(retire).contains("events_p20261130 (exported to");
        assertThat(partitions()).doesNotContain("events_p20261130").contains("events_p20261201");
        Path export = exports.resolve("public.events_p20261130.csv.gz");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(export))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("id,at,note\n1,2026-11-30 12:00:00+00,today\n");
        }
        assertThat(db.queryLong("SELECT count(*) FROM events")).isEqualTo(1);

        assertThat(job.run(Instant.parse("2026-12-04T02:00:00Z"))).isEqualTo("created [], retired []"); // idempotent
    }

    @Test
    void detachKeepsTheOldPartitionAsATableAndMonthlyPartitionsAreNamedByMonth() throws Exception {
        db.execute("CREATE TABLE sales (at date NOT NULL, amount numeric) PARTITION BY RANGE (at)");
        PartitionRotation job = job("monthly", Duration.ofDays(40), RetentionMode.DETACH);
        job.run(Instant.parse("2026-10-15T00:00:00Z"));
        db.execute("INSERT INTO sales VALUES ('2026-10-20', 5)");
        String detail = job.run(Instant.parse("2026-12-20T00:00:00Z"));
        assertThat(detail).contains("sales_p202610 (detached)");
        assertThat(partitions())
                .contains("sales_p202611", "sales_p202612", "sales_p202701")
                .doesNotContain("sales_p202610");
        assertThat(db.queryLong("SELECT count(*) FROM sales_p202610")).isEqualTo(1); // kept, outside the parent
    }

    @Test
    void exportsCanGoToAnS3CompatibleBucket() throws Exception {
        try (InJvmS3 s3 = new InJvmS3();
                S3Client client = s3.client()) {
            client.createBucket(create -> create.bucket("archive"));
            db.execute("CREATE TABLE events (id bigint, at timestamptz NOT NULL, note text) PARTITION BY RANGE (at)");
            PartitionRotation job = job(
                    "daily",
                    Duration.ofDays(1),
                    RetentionMode.EXPORT,
                    null,
                    new S3Settings(
                            "archive",
                            "partitions",
                            s3.endpoint(),
                            "us-east-1",
                            InJvmS3.ACCESS_KEY,
                            InJvmS3.SECRET_KEY,
                            true));
            job.run(Instant.parse("2026-11-30T10:00:00Z"));
            db.execute("INSERT INTO events VALUES (1, '2026-11-30 12:00+00', 'to the bucket')");
            assertThat(job.run(Instant.parse("2026-12-02T10:00:00Z")))
                    .contains("exported to s3://archive/partitions/public.events_p20261130.csv.gz");
            byte[] gz = client.getObjectAsBytes(
                            get -> get.bucket("archive").key("partitions/public.events_p20261130.csv.gz"))
                    .asByteArray();
            try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                        .contains("1,2026-11-30 12:00:00+00,to the bucket");
            }
        }
    }

    private PartitionRotation job(String interval, Duration retention, RetentionMode mode) {
        return job(interval, retention, mode, exports, null);
    }

    private PartitionRotation job(
            String interval, Duration retention, RetentionMode mode, Path directory, S3Settings bucket) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(db.jdbcUrl());
        return new PartitionRotation(
                new PgTaskProperties.Partitions(
                        "rotation",
                        "0 */10 * * * *",
                        "target",
                        "public." + (interval.equals("daily") ? "events" : "sales"),
                        PartitionInterval.valueOf(interval.toUpperCase(java.util.Locale.ROOT)),
                        2,
                        retention,
                        mode,
                        directory,
                        bucket),
                dataSource,
                ddl);
    }

    private List<String> partitions() {
        return db.query("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ORDER BY 1").stream()
                .map(row -> (String) row.get(0))
                .toList();
    }
}
