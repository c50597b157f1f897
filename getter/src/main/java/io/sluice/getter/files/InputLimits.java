package io.sluice.getter.files;

import java.io.FilterInputStream;
import java.io.FilterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;

/**
 * Caps on what one file may make a reader hold or do, so that no file — a gzip bomb, one line of 600 MB — can exhaust
 * the getter's heap (and stop change capture in the same process with it): a record's length in characters, and the
 * bytes a compressed file decompresses to. Past a cap, reading fails with {@link LimitExceeded} and the file is
 * quarantined with the reason.
 */
final class InputLimits {

    /** A cap was passed: the file is unreadable here, whatever a retry would do. */
    static final class LimitExceeded extends IOException {
        LimitExceeded(String message) {
            super(message);
        }
    }

    private InputLimits() {}

    /** A reader that fails once more than {@code maxChars} are read without {@link #nextRecord()} being called. */
    static final class RecordReader extends FilterReader {

        private final long maxChars;
        private long sinceRecord;

        RecordReader(Reader in, long maxChars) {
            super(in);
            this.maxChars = maxChars;
        }

        /** A record was handed out: its characters no longer count. */
        void nextRecord() {
            sinceRecord = 0;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                count(1);
            }
            return c;
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws LimitExceeded {
            sinceRecord += n;
            if (sinceRecord > maxChars) {
                throw new LimitExceeded(
                        "a record (line) is longer than " + maxChars + " characters, over the source's max-line-bytes");
            }
        }
    }

    /** A stream that fails once more than {@code maxBytes} have been read from it. */
    static InputStream bounded(InputStream in, long maxBytes) {
        return new FilterInputStream(in) {
            private long read;

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    count(1);
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n > 0) {
                    count(n);
                }
                return n;
            }

            private void count(int n) throws LimitExceeded {
                read += n;
                if (read > maxBytes) {
                    throw new LimitExceeded(
                            "decompresses to more than " + maxBytes + " bytes, the source's max-decompressed-bytes");
                }
            }
        };
    }
}
