package io.sluice.getter.files;

import com.github.luben.zstd.ZstdIOException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.util.Iterator;
import java.util.zip.ZipException;

/**
 * How a file's content becomes lines of values in the target's column order, read one at a time so a file of any size
 * streams. A line that cannot be read is a bad line, not the end of the file; content that cannot be read at all (a
 * wrong encoding, a broken compression) throws, and the file is quarantined.
 */
public interface LineFormat {

    Iterator<ParsedLine> read(InputStream in) throws IOException;

    /**
     * What a failure to read a file's content means: text that is not valid in the charset or a broken compression
     * make the file unreadable (quarantine it); anything else (a lost connection to the store) is worth a retry.
     */
    static RuntimeException readFailure(IOException e, Charset charset, String after) {
        if (e instanceof InputLimits.LimitExceeded limit) {
            return new UnreadableFileException(limit.getMessage() + " (after " + after + ")", e);
        }
        if (e instanceof org.apache.commons.csv.CSVException malformed) {
            // An unterminated quote or a malformed record: the same on every read, so never worth a retry.
            return new UnreadableFileException("malformed CSV after " + after + ": " + malformed.getMessage(), e);
        }
        if (e instanceof CharacterCodingException) {
            return new UnreadableFileException("not valid " + charset.name() + " text after " + after, e);
        }
        if (e instanceof ZipException || e instanceof EOFException || e instanceof ZstdIOException) {
            return new UnreadableFileException("broken compression after " + after + ": " + e.getMessage(), e);
        }
        return new UncheckedIOException(e);
    }

    /**
     * A reader (counting each record's characters against {@code maxLineChars}) that refuses bytes that are not valid in the charset instead of loading replacement characters: a GBK
     * file read as UTF-8 must be quarantined, not loaded as garbage.
     */
    static InputLimits.RecordReader strictReader(InputStream in, Charset charset, long maxLineChars) {
        return new InputLimits.RecordReader(
                withoutByteOrderMark(new InputStreamReader(
                        in,
                        charset.newDecoder()
                                .onMalformedInput(CodingErrorAction.REPORT)
                                .onUnmappableCharacter(CodingErrorAction.REPORT))),
                maxLineChars);
    }

    /**
     * The text without the byte order mark some tools (Excel's "CSV UTF-8") put first, as {@code COPY … HEADER} reads
     * such a file; a U+FEFF anywhere else is text.
     */
    static java.io.Reader withoutByteOrderMark(java.io.Reader reader) {
        java.io.PushbackReader pushback = new java.io.PushbackReader(reader, 1);
        return new java.io.FilterReader(pushback) {
            private boolean checked;

            @Override
            public int read() throws IOException {
                skipMark();
                return super.read();
            }

            @Override
            public int read(char[] buffer, int offset, int length) throws IOException {
                skipMark();
                return super.read(buffer, offset, length);
            }

            private void skipMark() throws IOException {
                if (!checked) {
                    checked = true;
                    int first = pushback.read();
                    if (first >= 0 && first != '\uFEFF') {
                        pushback.unread(first);
                    }
                }
            }
        };
    }

    /** The line-length cap where none is configured: 64 Mi characters. */
    long DEFAULT_MAX_LINE_CHARS = 64L << 20;
}
