package io.sluice.getter.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.QuoteMode;

/**
 * CSV per RFC 4180 through Apache Commons CSV: a header line or configured columns, delimiter, quote, a null marker
 * and any charset (UTF-8, GBK, GB18030…). Records are read one at a time, so a 10 GiB file needs no more memory than a
 * small one. A record with the wrong number of fields is a bad line, not the end of the file; one longer than
 * {@code maxLineChars} makes the file unreadable.
 *
 * @param columns the target's columns; with a header they are looked up by name, else taken in this order
 */
public record CsvFormat(
        List<String> columns,
        boolean header,
        char delimiter,
        char quote,
        String nullMarker,
        Charset charset,
        long maxLineChars,
        Nulls nulls)
        implements LineFormat {

    /** Which fields are NULL. */
    public enum Nulls {
        /**
         * PostgreSQL's {@code COPY … (FORMAT csv)}: an unquoted empty field — or, when set, the unquoted null marker — is
         * NULL; a quoted one ({@code ""}, {@code "\N"}) is that text.
         */
        POSTGRES,
        /** Sluice's earlier rule: a field equal to the null marker, quoted or not, is NULL; else every field is text. */
        LEGACY
    }

    /** With the default line-length cap and PostgreSQL's rule for NULL. */
    public CsvFormat(
            List<String> columns, boolean header, char delimiter, char quote, String nullMarker, Charset charset) {
        this(columns, header, delimiter, quote, nullMarker, charset, DEFAULT_MAX_LINE_CHARS, Nulls.POSTGRES);
    }

    @Override
    public Iterator<ParsedLine> read(InputStream in) throws IOException {
        InputLimits.RecordReader reader = LineFormat.strictReader(in, charset, maxLineChars);
        CSVFormat.Builder format = CSVFormat.RFC4180
                .builder()
                .setDelimiter(delimiter)
                .setQuote(quote)
                .setNullString(nullMarker)
                // Commons CSV's "strict quote mode": a quoted field is never NULL, an unquoted empty one is (when no
                // marker is set) — the rule of PostgreSQL's COPY.
                .setQuoteMode(nulls == Nulls.POSTGRES ? QuoteMode.ALL_NON_NULL : null);
        if (header) {
            format.setHeader().setSkipHeaderRecord(true);
        }
        CSVFormat csv = format.get();
        // A bad line goes to its dead letter as the file had it, quoted only where it must be.
        CSVFormat printing = csv.builder().setQuoteMode(QuoteMode.MINIMAL).get();
        CSVParser parser;
        try {
            parser = CSVParser.builder().setReader(reader).setFormat(csv).get();
        } catch (IOException | UncheckedIOException e) {
            throw LineFormat.readFailure(
                    e instanceof UncheckedIOException u ? u.getCause() : (IOException) e, charset, "the header");
        }
        List<Integer> positions = positions(parser);
        Iterator<CSVRecord> records = parser.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return records.hasNext();
                } catch (UncheckedIOException e) {
                    throw LineFormat.readFailure(e.getCause(), charset, "record " + parser.getRecordNumber());
                }
            }

            @Override
            public ParsedLine next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                CSVRecord record = records.next();
                reader.nextRecord();
                long number = record.getRecordNumber();
                int expected = header ? parser.getHeaderNames().size() : columns.size();
                if (record.size() != expected) {
                    return ParsedLine.bad(
                            number,
                            "expected " + expected + " fields, found " + record.size(),
                            printing.format((Object[]) record.values()));
                }
                List<String> values = new ArrayList<>(positions.size());
                for (int position : positions) {
                    values.add(record.get(position));
                }
                return ParsedLine.ok(number, values);
            }
        };
    }

    /** Where each target column is in a record. */
    private List<Integer> positions(CSVParser parser) {
        List<Integer> positions = new ArrayList<>();
        if (!header) {
            for (int i = 0; i < columns.size(); i++) {
                positions.add(i);
            }
            return positions;
        }
        List<String> names = parser.getHeaderNames();
        for (String column : columns) {
            int at = names.indexOf(column);
            if (at < 0) {
                throw new UnreadableFileException("the header " + names + " has no column " + column);
            }
            positions.add(at);
        }
        return positions;
    }
}
