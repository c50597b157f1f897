package io.sluice.loader.objectstorage;

import io.sluice.loader.ConditionalOnSink;
import io.sluice.loader.Sink;
import io.sluice.loader.SinkKind;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.services.s3.S3Client;

/** The object-storage sink ({@code sluice.loader.sink=object-storage}), with its bucket in health and readiness. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnSink(SinkKind.OBJECT_STORAGE)
class ObjectStorageSinkConfiguration {

    @Bean(destroyMethod = "close")
    S3Client objectStorageClient(ObjectStorageSinkProperties properties) {
        if (properties.s3() == null) {
            throw new IllegalArgumentException(
                    "sluice.loader.object-storage.s3.bucket is required with" + " sluice.loader.sink=object-storage");
        }
        return properties.s3().client();
    }

    @Bean
    Sink objectStorageSink(S3Client objectStorageClient, ObjectStorageSinkProperties properties) {
        return new ObjectStorageSink(objectStorageClient, properties);
    }

    /** {@code objectStorage} in health: the bucket answers to these credentials. */
    @Bean
    HealthIndicator objectStorageHealthIndicator(S3Client objectStorageClient, ObjectStorageSinkProperties properties) {
        String bucket = properties.s3().bucket();
        return () -> {
            try {
                objectStorageClient.headBucket(head -> head.bucket(bucket));
                return Health.up().withDetail("bucket", bucket).build();
            } catch (RuntimeException e) {
                return Health.down()
                        .withDetail("bucket", bucket)
                        .withException(e)
                        .build();
            }
        };
    }
}
