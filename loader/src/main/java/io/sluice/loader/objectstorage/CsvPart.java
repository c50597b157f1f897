package io.sluice.loader.objectstorage;

import io.sluice.common.batch.Column;
import io.sluice.common.batch.Op;
import io.sluice.common.batch.Row;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * One file of a window: the latest row per key, as gzip'd CSV that PostgreSQL's {@code COPY … (FORMAT csv, HEADER)} and
 * Greenplum/HybridDB external tables ({@code FORMAT 'CSV' (HEADER)}) read: a header line, every non-NULL value quoted
 * (so an empty string stays apart from NULL, which is an empty unquoted field), then {@code _sluice_lsn},
 * {@code _sluice_seq} (the version, as the PostgreSQL sink keeps it), {@code _sluice_deleted} ({@code t}/{@code f}) and
 * {@code _sluice_unchanged} (a {@code text[]} of the columns whose unchanged TOAST value the source did not send, whose
 * value is the previous version's). Its name is its content's digest, so a retry writes the same object again.
 */
record CsvPart(String name, byte[] content, int rows, int deleted, long minLsn, long maxLsn) {

    static final List<String> META_COLUMNS =
            List.of("_sluice_lsn", "_sluice_seq", "_sluice_deleted", "_sluice_unchanged");

    /** The file of these rows (one per key, in version order) with these columns. */
    static CsvPart of(List<Column> columns, List<Row> rows) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int deleted = 0;
        try (Writer out = new OutputStreamWriter(new GZIPOutputStream(bytes, 64 * 1024), StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            for (Column column : columns) {
                quote(line, column.name()).append(',');
            }
            line.append(String.join(",", META_COLUMNS)).append('\n');
            out.write(line.toString());
            for (Row row : rows) {
                line.setLength(0);
                boolean delete = row.op() == Op.DELETE;
                deleted += delete ? 1 : 0;
                for (int c = 0; c < columns.size(); c++) {
                    String value = row.values().get(c);
                    if (value != null && !row.isUnchanged(c)) {
                        quote(line, value);
                    }
                    line.append(',');
                }
                line.append(row.lsn()).append(',').append(row.seq()).append(',').append(delete ? 't' : 'f');
                line.append(',');
                if (!row.unchanged().isEmpty()) {
                    StringBuilder array = new StringBuilder("{");
                    for (int c : row.unchanged()) {
                        array.append(array.length() > 1 ? "," : "")
                                .append('"')
                                .append(columns.get(c)
                                        .name()
                                        .replace("\\", "\\\\")
                                        .replace("\"", "\\\""))
                                .append('"');
                    }
                    quote(line, array.append('}').toString());
                }
                out.write(line.append('\n').toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] content = bytes.toByteArray();
        long minLsn = rows.stream().mapToLong(Row::lsn).min().orElse(0);
        long maxLsn = rows.stream().mapToLong(Row::lsn).max().orElse(0);
        return new CsvPart("part-" + digest(content) + ".csv.gz", content, rows.size(), deleted, minLsn, maxLsn);
    }

    private static StringBuilder quote(StringBuilder line, String value) {
        return line.append('"').append(value.replace("\"", "\"\"")).append('"');
    }

    private static String digest(byte[] content) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(content);
            return HexFormat.of().formatHex(sha, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
