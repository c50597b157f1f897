package io.sluice.loader.objectstorage;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Row;
import io.sluice.common.pg.TableName;
import io.sluice.loader.Sink;
import io.sluice.loader.objectstorage.WindowManifest.FileEntry;
import io.sluice.loader.objectstorage.WindowManifest.Truncation;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes each group as files per table and time window ({@code <prefix><schema>.<table>/window=<UTC start>/}), each
 * the latest row per key of the group's changes in that window ({@link CsvPart}), then lists them in the window's
 * {@link WindowManifest}. It returns (and the group is acknowledged) only once every object and manifest is stored; a
 * crash between them leaves a file no manifest lists, which the retry writes again under the same name and lists.
 */
public final class ObjectStorageSink implements Sink {

    private static final DateTimeFormatter WINDOW_NAME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final S3Client s3;
    private final String bucket;
    private final String folder;
    private final long windowMillis;
    private final ManifestStore manifests;

    public ObjectStorageSink(S3Client s3, ObjectStorageSinkProperties properties) {
        if (properties.s3() == null
                || properties.s3().bucket() == null
                || properties.s3().bucket().isBlank()) {
            throw new IllegalArgumentException(
                    "sluice.loader.object-storage.s3.bucket is required with" + " sluice.loader.sink=object-storage");
        }
        Duration window = properties.window();
        if (window.isNegative() || window.isZero() || Duration.ofDays(1).toMillis() % window.toMillis() != 0) {
            throw new IllegalArgumentException("sluice.loader.object-storage.window must divide a day (1m, 15m, 1h,"
                    + " 1d…), so that windows start at the same instants every day; it is " + window);
        }
        this.s3 = s3;
        this.bucket = properties.s3().bucket();
        this.folder = properties.s3().folder();
        this.windowMillis = window.toMillis();
        this.manifests = new ManifestStore(s3, bucket);
    }

    /** One file to be: a table's rows of one window with one column shape, the latest per key. */
    private record Part(TableName table, long window, List<Column> columns) {}

    @Override
    public Result write(List<ChangeBatch> batches) {
        Map<Part, Map<List<String>, Row>> latest = new LinkedHashMap<>();
        Map<String, List<Truncation>> truncations = new LinkedHashMap<>();
        Map<String, WindowManifest> empties = new LinkedHashMap<>();
        Map<TableName, Integer> written = new LinkedHashMap<>();
        List<Refused> refused = new ArrayList<>();
        for (ChangeBatch batch : batches) {
            if (batch.rows().isEmpty()) {
                continue; // a schema change: each file carries its own header
            }
            int[] keys = batch.keyIndexes();
            if (keys.length == 0) {
                refused.add(new Refused(
                        batch,
                        "the object-storage sink keeps the latest row per key, and " + batch.table()
                                + " has no key (no primary key or replica identity)",
                        null));
                continue;
            }
            for (Row row : batch.rows()) {
                long window = windowOf(row);
                if (row.op() == Op.TRUNCATE) {
                    String manifest = manifestKey(batch.table(), window);
                    empties.computeIfAbsent(manifest, k -> emptyManifest(batch.table(), window));
                    truncations
                            .computeIfAbsent(manifest, k -> new ArrayList<>())
                            .add(new Truncation(row.lsn(), row.seq()));
                    continue;
                }
                List<String> key =
                        Arrays.stream(keys).mapToObj(i -> row.values().get(i)).toList();
                latest.computeIfAbsent(new Part(batch.table(), window, batch.columns()), p -> new LinkedHashMap<>())
                        .merge(key, row, ObjectStorageSink::newer);
                written.merge(batch.table(), 1, Integer::sum);
            }
        }
        Map<String, List<FileEntry>> files = new LinkedHashMap<>();
        for (Map.Entry<Part, Map<List<String>, Row>> entry : latest.entrySet()) {
            Part part = entry.getKey();
            List<Row> rows = new ArrayList<>(entry.getValue().values());
            rows.sort(Comparator.comparingLong(Row::lsn).thenComparingLong(Row::seq));
            CsvPart file = CsvPart.of(part.columns(), rows);
            String manifest = manifestKey(part.table(), part.window());
            s3.putObject(
                    put -> put.bucket(bucket)
                            .key(windowFolder(part.table(), part.window()) + file.name())
                            .contentType("text/csv")
                            .contentEncoding("gzip"),
                    RequestBody.fromBytes(file.content()));
            empties.computeIfAbsent(manifest, k -> emptyManifest(part.table(), part.window()));
            files.computeIfAbsent(manifest, k -> new ArrayList<>())
                    .add(new FileEntry(
                            file.name(),
                            file.rows(),
                            file.deleted(),
                            part.columns().stream().map(Column::name).toList(),
                            file.minLsn(),
                            file.maxLsn()));
        }
        for (Map.Entry<String, WindowManifest> manifest : empties.entrySet()) {
            manifests.add(
                    manifest.getKey(),
                    manifest.getValue(),
                    files.getOrDefault(manifest.getKey(), List.of()),
                    truncations.getOrDefault(manifest.getKey(), List.of()));
        }
        return new Result(written, refused);
    }

    private static Row newer(Row a, Row b) {
        return a.lsn() > b.lsn() || (a.lsn() == b.lsn() && a.seq() >= b.seq()) ? a : b;
    }

    private long windowOf(Row row) {
        long at = row.ts() == null ? 0 : row.ts().toEpochMilli();
        return Math.floorDiv(at, windowMillis) * windowMillis;
    }

    private WindowManifest emptyManifest(TableName table, long window) {
        return new WindowManifest(
                WindowManifest.FORMAT,
                table.toString(),
                Instant.ofEpochMilli(window).toString(),
                Instant.ofEpochMilli(window + windowMillis).toString(),
                List.of(),
                List.of());
    }

    private String manifestKey(TableName table, long window) {
        return windowFolder(table, window) + ManifestStore.NAME;
    }

    /** {@code <prefix><schema>.<table>/window=<start>/}, a '/' or '%' in a name percent-encoded. */
    String windowFolder(TableName table, long window) {
        return folder + encode(table.schema()) + "." + encode(table.name()) + "/window="
                + WINDOW_NAME.format(Instant.ofEpochMilli(window)) + "/";
    }

    private static String encode(String name) {
        return name.replace("%", "%25").replace("/", "%2F");
    }

    /** Every failure of the store passes in time or needs an operator (credentials, a bucket): none is the data's. */
    @Override
    public boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SdkException) {
                return true;
            }
        }
        return false;
    }
}
