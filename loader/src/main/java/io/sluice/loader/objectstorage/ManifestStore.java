package io.sluice.loader.objectstorage;

import io.sluice.loader.objectstorage.WindowManifest.FileEntry;
import io.sluice.loader.objectstorage.WindowManifest.Truncation;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Adds files to a window's manifest by read-modify-write: under a lock per manifest within the JVM, and across loaders
 * by a conditional write ({@code If-None-Match: *} for a new manifest, {@code If-Match} its ETag otherwise), read again
 * and retried when another loader wrote in between. A store that ignores the conditions (some S3-compatible ones do)
 * is safe with one loader per table only.
 */
final class ManifestStore {

    static final String NAME = "manifest.json";
    private static final int ATTEMPTS = 20;

    private final S3Client s3;
    private final String bucket;
    private final JsonMapper json = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    ManifestStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Lists the files and truncations in the manifest at {@code key}, creating it from {@code empty} if need be. */
    void add(String key, WindowManifest empty, List<FileEntry> files, List<Truncation> truncations) {
        ReentrantLock lock = locks.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try {
            for (int attempt = 1; ; attempt++) {
                Stored stored = read(key);
                WindowManifest current = stored == null ? empty : stored.manifest();
                if (stored != null && current.holds(files, truncations)) {
                    return;
                }
                try {
                    write(key, current.with(files, truncations), stored == null ? null : stored.etag());
                    return;
                } catch (S3Exception e) {
                    if (!isConflict(e) || attempt == ATTEMPTS) {
                        throw e;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The manifest at {@code key} with its ETag, or null if there is none. */
    Stored read(String key) {
        try {
            ResponseBytes<GetObjectResponse> bytes =
                    s3.getObjectAsBytes(get -> get.bucket(bucket).key(key));
            WindowManifest manifest = json.readValue(bytes.asByteArray(), WindowManifest.class);
            if (manifest.format() != WindowManifest.FORMAT) {
                throw new IllegalStateException("manifest s3://" + bucket + "/" + key + " has format "
                        + manifest.format() + "; this loader writes format " + WindowManifest.FORMAT);
            }
            return new Stored(manifest, bytes.response().eTag());
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    private void write(String key, WindowManifest manifest, String etag) {
        PutObjectRequest.Builder put =
                PutObjectRequest.builder().bucket(bucket).key(key).contentType("application/json");
        if (etag == null) {
            put.ifNoneMatch("*");
        } else {
            put.ifMatch(etag);
        }
        s3.putObject(put.build(), RequestBody.fromBytes(json.writeValueAsBytes(manifest)));
    }

    /** 412 Precondition Failed, or 409 ConditionalRequestConflict: another writer came first. */
    private static boolean isConflict(S3Exception e) {
        return e.statusCode() == 412 || e.statusCode() == 409;
    }

    /** A manifest as read, with the ETag a conditional write names. */
    record Stored(WindowManifest manifest, String etag) {}
}
