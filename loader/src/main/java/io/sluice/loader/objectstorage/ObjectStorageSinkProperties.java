package io.sluice.loader.objectstorage;

import io.sluice.common.s3.S3Settings;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The object-storage sink, under {@code sluice.loader.object-storage}.
 *
 * @param s3 where the files go: bucket, prefix, endpoint, credentials ({@code s3.bucket} is required)
 * @param window the time window a file belongs to, by its changes' commit time (UTC, aligned to the epoch): a window's
 *     files and manifest share one folder
 */
@ConfigurationProperties("sluice.loader.object-storage")
public record ObjectStorageSinkProperties(
        @NestedConfigurationProperty S3Settings s3,
        @DefaultValue("1h") Duration window) {}
