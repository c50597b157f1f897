package io.sluice.bench;

import io.sluice.common.batch.Row;
import io.sluice.testkit.TestDatabase;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * Text against binary COPY for the loader's staging, each including the client's encoding work: batch values are
 * PostgreSQL text already, so binary must first parse every value by its type. Measured on {@code feed_log} rows.
 */
final class CopyFormats {

    private static final LocalDateTime PG_EPOCH = LocalDateTime.of(2000, 1, 1, 0, 0);
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private CopyFormats() {}

    static void measure(Report report, TestDatabase target, List<Row> rows) throws Exception {
        try (Connection connection = target.connect()) {
            connection.setAutoCommit(false);
            long start = System.nanoTime();
            StringBuilder text = new StringBuilder(rows.size() * 80);
            for (Row row : rows) {
                text.append(String.join("\t", row.values())).append('\n');
            }
            copy(connection, "", text.toString().getBytes(StandardCharsets.UTF_8));
            report.add("COPY text into staging", "copy_text_rows_s", rows.size(), seconds(start), "values as sent");
            start = System.nanoTime();
            copy(connection, " WITH (FORMAT binary)", binary(rows));
            report.add(
                    "COPY binary into staging",
                    "copy_binary_rows_s",
                    rows.size(),
                    seconds(start),
                    "values parsed first");
        }
    }

    private static void copy(Connection connection, String options, byte[] data) throws Exception {
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TEMP TABLE stage_format (id int8, c1 int, c2 int, info text, crt_time timestamp)"
                    + " ON COMMIT DROP");
            connection
                    .unwrap(PGConnection.class)
                    .getCopyAPI()
                    .copyIn("COPY stage_format FROM STDIN" + options, new ByteArrayInputStream(data));
        }
        connection.commit();
    }

    private static byte[] binary(List<Row> rows) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(rows.size() * 64);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeBytes("PGCOPY\n");
        out.write(new byte[] {(byte) 0xFF, '\r', '\n', 0});
        out.writeInt(0);
        out.writeInt(0);
        for (Row row : rows) {
            List<String> v = row.values();
            out.writeShort(5);
            out.writeInt(8);
            out.writeLong(Long.parseLong(v.get(0)));
            out.writeInt(4);
            out.writeInt(Integer.parseInt(v.get(1)));
            out.writeInt(4);
            out.writeInt(Integer.parseInt(v.get(2)));
            byte[] info = v.get(3).getBytes(StandardCharsets.UTF_8);
            out.writeInt(info.length);
            out.write(info);
            out.writeInt(8);
            out.writeLong(ChronoUnit.MICROS.between(
                    PG_EPOCH.toInstant(ZoneOffset.UTC),
                    LocalDateTime.parse(v.get(4), TIMESTAMP).toInstant(ZoneOffset.UTC)));
        }
        out.writeShort(-1);
        return bytes.toByteArray();
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
