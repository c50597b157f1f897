package io.sluice.getter.files;

import io.sluice.common.batch.Column;
import io.sluice.common.pg.TableName;
import io.sluice.getter.files.FileProperties.Format;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** One configured file source, checked at start-up: its store, its table's columns, and how its files are read. */
final class FileSource {

    private final FileProperties.Source config;
    private final TableName table;
    private final List<Column> columns;
    private final FileStore store;
    private final CsvFormat csv;
    private final JsonLinesFormat jsonLines;

    /** @param s3Stores makes the store of an S3 source (a client per source) */
    FileSource(FileProperties.Source config, Function<FileProperties.Source, FileStore> s3Stores) {
        this.config = config;
        String where = "sluice.getter.files source '" + config.name() + "': ";
        if ((config.directory() == null) == (config.s3() == null)) {
            throw new IllegalArgumentException(where + "set either directory or s3 (one of them)");
        }
        Set<String> names = new HashSet<>(config.columns());
        for (String name : concat(config.key(), List.copyOf(config.types().keySet()))) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException(
                        where + "'" + name + "' is not one of its columns " + config.columns());
            }
        }
        this.table = TableName.parse(config.table());
        this.columns = config.columns().stream()
                .map(name -> new Column(
                        name,
                        config.types().getOrDefault(name, "text"),
                        config.key().contains(name)))
                .toList();
        Charset charset = charset(config.charset(), where);
        FileProperties.Csv dialect = config.csv();
        this.csv = new CsvFormat(
                config.columns(),
                dialect.header(),
                dialect.delimiter(),
                dialect.quote(),
                dialect.nullMarker(),
                charset,
                config.maxLineChars(),
                dialect.nulls());
        this.jsonLines = new JsonLinesFormat(config.columns(), charset, config.maxLineChars());
        this.store = config.directory() != null
                ? new DirectoryStore(
                        Path.of(config.directory()), config.glob(), config.marker(), config.followSymlinks())
                : s3Stores.apply(config);
    }

    String name() {
        return config.name();
    }

    TableName table() {
        return table;
    }

    List<Column> columns() {
        return columns;
    }

    FileStore store() {
        return store;
    }

    FileProperties.Source config() {
        return config;
    }

    /** The format of one file: as configured, or by its extension under a compression extension. */
    LineFormat formatOf(String fileName) {
        Format format = config.format();
        if (format == Format.AUTO) {
            String name = Decompression.uncompressedName(fileName);
            format = name.endsWith(".jsonl") || name.endsWith(".ndjson") ? Format.JSONL : Format.CSV;
        }
        return format == Format.JSONL ? jsonLines : csv;
    }

    /** Whether a file with this many lines read, of which this many bad, must be set aside; null if not. */
    String quarantineReason(long lines, long badLines, boolean wholeFile) {
        if (lines == 0 || (!wholeFile && lines < config.badRatioAfterLines())) {
            return null;
        }
        double ratio = (double) badLines / lines;
        return ratio > config.maxBadRatio()
                ? String.format(
                        java.util.Locale.ROOT,
                        "%d bad lines of %d read (%.3f), above max-bad-ratio %.3f",
                        badLines,
                        lines,
                        ratio,
                        config.maxBadRatio())
                : null;
    }

    private static Charset charset(String name, String where) {
        try {
            return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new IllegalArgumentException(where + "unknown charset '" + name + "'", e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
