package io.sluice.getter.files;

import io.sluice.common.s3.S3Settings;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * File ingestion, under {@code sluice.getter.files}: directories and buckets polled for CSV or JSON-lines files, each
 * source loading into one table.
 *
 * @param sources the file sources; none means the getter reads no files
 * @param owner this replica's name in the file ledger; by default {@code <host>/<pid>}, so a container restarted in
 *     the same pod takes its interrupted file back at once
 * @param lease how long a replica's claim on a file holds without progress before another replica takes the file over
 * @param pollInterval how often an idle source looks for new files
 * @param maxBatchRows lines gathered into one batch
 * @param maxInFlightBytes message bytes published but not yet confirmed; reading waits at this bound
 * @param progressInterval how often a file's confirmed line is written to the ledger (it also renews the lease)
 */
@Validated
@ConfigurationProperties("sluice.getter.files")
public record FileProperties(
        @DefaultValue List<@Valid Source> sources,
        String owner,
        @DefaultValue("60s") Duration lease,
        @DefaultValue("2s") Duration pollInterval,
        @DefaultValue("5000") @Min(1) int maxBatchRows,
        @DefaultValue("64MB") DataSize maxInFlightBytes,
        @DefaultValue("1s") Duration progressInterval) {

    /** Where a file goes once loaded. */
    public enum OnDone {
        ARCHIVE,
        DELETE,
        KEEP
    }

    /** How a file's lines are read; {@code auto} takes JSON lines for {@code .jsonl}/{@code .ndjson}, else CSV. */
    public enum Format {
        AUTO,
        CSV,
        JSONL
    }

    /**
     * One file source.
     *
     * @param name the source's name in batches and in the ledger, e.g. {@code partner-orders}
     * @param directory a local or mounted directory to poll (or {@code s3})
     * @param s3 an S3-compatible bucket to poll (or {@code directory})
     * @param glob which file names to take, e.g. {@code orders-*.csv.gz}
     * @param marker suffix of a marker file announcing that a file is complete (e.g. {@code .done}); without it a
     *     directory's file is complete once its size and time are stable over two polls
     * @param table the target table, {@code schema.table}
     * @param columns the table's columns in order; with a CSV header they are found by name
     * @param key the key columns, by which a later file's row replaces an earlier one's
     * @param types PostgreSQL types of columns, by name; a column not listed is {@code text}
     * @param format {@code auto}, {@code csv} or {@code jsonl}
     * @param charset the files' encoding: UTF-8, GBK, GB18030…
     * @param csv CSV dialect
     * @param onDone what happens to a loaded file: {@code archive} (moved into {@code archive-folder}), {@code delete}
     *     or {@code keep}
     * @param archiveFolder sub-folder (or sub-prefix) for loaded files
     * @param quarantineFolder sub-folder (or sub-prefix) for files set aside
     * @param maxBadRatio bad lines over lines read above which a file is quarantined
     * @param badRatioAfterLines lines read before the ratio is judged (a whole shorter file is judged at its end)
     * @param followSymlinks take symbolic links in the directory, if they point at a file inside it (off: links are
     *     ignored, so a link cannot make the getter read, move or delete a file elsewhere on the host)
     * @param maxLineBytes the longest record (line) a file may have (default: a sixteenth of the heap, 1 to 64 MiB);
     *     a longer one quarantines its file
     * @param maxDecompressedBytes what a compressed file may decompress to before it is quarantined
     */
    public record Source(
            @NotBlank @Pattern(regexp = "[A-Za-z0-9_-]+", message = "use letters, digits, '_' and '-'")
            String name,

            String directory,
            @Valid S3Settings s3,
            @DefaultValue("*") String glob,
            String marker,
            @NotBlank String table,
            @NotEmpty List<String> columns,
            @DefaultValue List<String> key,
            @DefaultValue Map<String, String> types,
            @DefaultValue("auto") Format format,
            @DefaultValue("UTF-8") String charset,
            @DefaultValue @Valid Csv csv,
            @DefaultValue("archive") OnDone onDone,
            @DefaultValue("archive") String archiveFolder,
            @DefaultValue("quarantine") String quarantineFolder,

            @DefaultValue("0.1") @DecimalMin("0") @DecimalMax("1")
            double maxBadRatio,

            @DefaultValue("1000") @Min(1) long badRatioAfterLines,
            @DefaultValue("false") boolean followSymlinks,
            DataSize maxLineBytes,
            @DefaultValue("64GB") DataSize maxDecompressedBytes) {

        public Source {
            // An empty value (e.g. from an environment variable set to "") means not set.
            directory = directory == null || directory.isBlank() ? null : directory;
            marker = marker == null || marker.isEmpty() ? null : marker;
        }

        /** The line-length cap in characters: as configured, else derived from the heap. */
        public long maxLineChars() {
            if (maxLineBytes != null) {
                return maxLineBytes.toBytes();
            }
            return Math.clamp(Runtime.getRuntime().maxMemory() / 16, 1L << 20, 64L << 20);
        }
    }

    /**
     * The CSV dialect.
     *
     * @param header whether the first line names the columns
     * @param delimiter the field delimiter
     * @param quote the quote character
     * @param nullMarker the text that, unquoted, stands for NULL (e.g. {@code \N}); by default an unquoted empty field
     * @param nulls {@code postgres}: NULL as {@code COPY … CSV} reads it (unquoted empty, or the unquoted marker; a
     *     quoted field is always text); {@code legacy}: a field equal to the marker, quoted or not, else text
     */
    public record Csv(
            @DefaultValue("true") boolean header,
            @DefaultValue(",") char delimiter,
            @DefaultValue("\"") char quote,
            String nullMarker,
            @DefaultValue("postgres") CsvFormat.Nulls nulls) {}
}
