package io.sluice.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.s3.S3Settings;
import io.sluice.monitor.store.S3ReportStore;
import io.sluice.testkit.InJvmS3;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** Reports kept in an S3-compatible bucket (S3Proxy in the test JVM): each a folder of files, with an index. */
class S3ReportStoreIT {

    @Test
    void reportsAreKeptUnderThePrefixWithAnIndexNewestFirst() throws Exception {
        try (InJvmS3 s3 = new InJvmS3();
                S3Client client = s3.client()) {
            client.createBucket(create -> create.bucket("reports"));
            S3ReportStore store = new S3ReportStore(new S3Settings(
                    "reports", "sluice", s3.endpoint(), "us-east-1", InJvmS3.ACCESS_KEY, InJvmS3.SECRET_KEY, true));
            store.save("20261130-060000-default", bytes("<html>a</html>"), bytes("csv a"), bytes("{}"));
            store.save("20261201-060000-default", bytes("<html>b</html>"), bytes("csv b"), bytes("{}"));

            assertThat(store.ids()).containsExactly("20261201-060000-default", "20261130-060000-default");
            assertThat(store.read("20261130-060000-default", "report.csv"))
                    .hasValueSatisfying(body ->
                            assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("csv a"));
            assertThat(store.read("nope", "report.html")).isEmpty();
            String index = client.getObjectAsBytes(get -> get.bucket("reports").key("sluice/index.html"))
                    .asUtf8String();
            assertThat(index.indexOf("20261201-060000-default")).isLessThan(index.indexOf("20261130-060000-default"));
            assertThat(store.describe()).isEqualTo("s3://reports/sluice/");
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
