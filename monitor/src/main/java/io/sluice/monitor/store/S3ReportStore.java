package io.sluice.monitor.store;

import io.sluice.common.s3.S3Settings;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** Reports in an S3-compatible bucket: {@code <prefix><id>/report.html|csv|json} and {@code <prefix>index.html}. */
public final class S3ReportStore implements ReportStore {

    private final S3Client s3;
    private final String bucket;
    private final String folder;

    public S3ReportStore(S3Settings settings) {
        this.s3 = settings.client();
        this.bucket = settings.bucket();
        this.folder = settings.folder();
    }

    @Override
    public void save(String id, byte[] html, byte[] csv, byte[] json) {
        byte[][] contents = {html, csv, json};
        String[] types = {"text/html; charset=utf-8", "text/csv; charset=utf-8", "application/json"};
        for (int i = 0; i < FILES.length; i++) {
            put(folder + id + "/" + FILES[i], contents[i], types[i]);
        }
        put(folder + "index.html", ReportStore.index(ids()).getBytes(StandardCharsets.UTF_8), types[0]);
    }

    @Override
    public List<String> ids() {
        return s3
                .listObjectsV2Paginator(
                        list -> list.bucket(bucket).prefix(folder).delimiter("/"))
                .commonPrefixes()
                .stream()
                .map(CommonPrefix::prefix)
                .map(p -> p.substring(folder.length(), p.length() - 1))
                .sorted(Comparator.reverseOrder())
                .toList();
    }

    @Override
    public Optional<byte[]> read(String id, String file) {
        try {
            return Optional.of(s3.getObjectAsBytes(get -> get.bucket(bucket).key(folder + id + "/" + file))
                    .asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public String describe() {
        return "s3://" + bucket + "/" + folder;
    }

    private void put(String key, byte[] content, String type) {
        s3.putObject(put -> put.bucket(bucket).key(key).contentType(type), RequestBody.fromBytes(content));
    }
}
