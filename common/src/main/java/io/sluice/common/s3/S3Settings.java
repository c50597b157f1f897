package io.sluice.common.s3;

import jakarta.validation.constraints.NotBlank;
import java.net.URI;
import org.springframework.boot.context.properties.bind.DefaultValue;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A place in S3-compatible object storage (AWS S3, MinIO, Alibaba OSS…), as every service configures it. A module that
 * uses it depends on AWS SDK v2's {@code s3} and {@code url-connection-client}.
 *
 * @param bucket the bucket
 * @param prefix the "folder" within it, e.g. {@code inbox/orders/}
 * @param endpoint the service's URL for MinIO, OSS and others; AWS's by default
 * @param region the region (any value for most S3-compatible stores)
 * @param accessKey access key; without it the SDK's default credentials (environment, IRSA…) are used
 * @param secretKey secret key
 * @param pathStyle path-style addressing ({@code endpoint/bucket/key}), which MinIO needs
 */
public record S3Settings(
        @NotBlank String bucket,
        @DefaultValue("") String prefix,
        URI endpoint,
        @DefaultValue("us-east-1") String region,
        String accessKey,
        String secretKey,
        @DefaultValue("false") boolean pathStyle) {

    /** The prefix as a folder: empty, or ending with {@code /}. */
    public String folder() {
        return prefix == null || prefix.isEmpty() || prefix.endsWith("/")
                ? (prefix == null ? "" : prefix)
                : prefix + "/";
    }

    /** A client for this place: its endpoint, region and credentials, checksums only where S3 requires them. */
    public S3Client client() {
        var client = S3Client.builder()
                .region(Region.of(region))
                .forcePathStyle(pathStyle)
                .httpClient(UrlConnectionHttpClient.create())
                // S3-compatible stores (MinIO, OSS…) do not all know the SDK's newer default checksums.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .credentialsProvider(credentials());
        if (endpoint != null) {
            client.endpointOverride(endpoint);
        }
        return client.build();
    }

    private AwsCredentialsProvider credentials() {
        return accessKey != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey))
                : DefaultCredentialsProvider.builder().build();
    }
}
