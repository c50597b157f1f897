package io.sluice.getter.files;

import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Files in an S3-compatible bucket (AWS S3, MinIO, Alibaba OSS…) under a prefix, one level deep. An object is complete
 * as soon as it is listed (uploads appear whole), or when its marker object exists. Its identity is its ETag, which the
 * store computes from the content: reading a 10 GiB object twice just to hash it would cost more than it saves. (An
 * object uploaded in parts has an ETag that depends on the part size, so the same content uploaded differently counts as
 * new.) Archived and quarantined objects are copied under {@code <prefix><folder>/} and deleted.
 */
final class S3Store implements FileStore {

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final PathMatcher glob;
    private final String marker;

    /** @param prefix the folder polled: empty or ending with {@code /} */
    S3Store(S3Client s3, String bucket, String prefix, String glob, String marker) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix; // a folder: empty or ending with '/' (S3Settings.folder())
        this.glob = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        this.marker = marker;
    }

    @Override
    public List<StoredFile> scan() {
        List<S3Object> objects = new ArrayList<>();
        Set<String> names = new HashSet<>();
        s3.listObjectsV2Paginator(list -> list.bucket(bucket).prefix(prefix).delimiter("/"))
                .contents()
                .forEach(object -> {
                    objects.add(object);
                    names.add(name(object));
                });
        List<StoredFile> complete = new ArrayList<>();
        for (S3Object object : objects) {
            String name = name(object);
            boolean isMarker = marker != null && name.endsWith(marker);
            if (!name.isEmpty()
                    && !isMarker
                    && glob.matches(Path.of(name))
                    && (marker == null || names.contains(name + marker))) {
                complete.add(new StoredFile(
                        name,
                        object.size(),
                        object.lastModified(),
                        "etag:" + object.eTag().replace("\"", "")));
            }
        }
        complete.sort(java.util.Comparator.comparing(StoredFile::name));
        return complete;
    }

    @Override
    public InputStream open(String name) {
        return s3.getObject(get -> get.bucket(bucket).key(prefix + name));
    }

    @Override
    public void moveTo(String name, String folder) {
        move(name, folder);
        if (marker != null) {
            move(name + marker, folder);
        }
    }

    @Override
    public void delete(String name) {
        s3.deleteObject(delete -> delete.bucket(bucket).key(prefix + name));
        if (marker != null) {
            s3.deleteObject(delete -> delete.bucket(bucket).key(prefix + name + marker));
        }
    }

    @Override
    public String describe() {
        return "s3://" + bucket + "/" + prefix;
    }

    private void move(String name, String folder) {
        try {
            s3.copyObject(copy -> copy.sourceBucket(bucket)
                    .sourceKey(prefix + name)
                    .destinationBucket(bucket)
                    .destinationKey(prefix + folder + "/" + name));
        } catch (NoSuchKeyException gone) {
            return; // another replica finished it first
        }
        s3.deleteObject(delete -> delete.bucket(bucket).key(prefix + name));
    }

    private String name(S3Object object) {
        return object.key().substring(prefix.length());
    }
}
