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

    /** Counts what was read against a cap; {@link #counted} passes a read's result through. */
    private static final class Budget {

        private final long max;
        private final String exceeded;
        private long used;

        Budget(long max, String exceeded) {
            this.max = max;
            this.exceeded = exceeded;
        }

        /** The result of a bulk read ({@code n} units, or -1 at the end), after counting it. */
        int counted(int n) throws LimitExceeded {
            if (n > 0) {
                used += n;
                if (used > max) {
                    throw new LimitExceeded(exceeded);
                }
            }
            return n;
        }

        /** The result of a single read (a unit, or -1 at the end), after counting it. */
        int countedOne(int unit) throws LimitExceeded {
            counted(unit >= 0 ? 1 : 0);
            return unit;
        }

        void reset() {
            used = 0;
        }
    }

    private InputLimits() {}

    /** A reader that fails once more than {@code maxChars} are read without {@link #nextRecord()} being called. */
    static final class RecordReader extends FilterReader {

        private final Budget sinceRecord;

        RecordReader(Reader in, long maxChars) {
            super(in);
            this.sinceRecord = new Budget(
                    maxChars,
                    "a record (line) is longer than " + maxChars + " characters, over the source's max-line-bytes");
        }

        /** A record was handed out: its characters no longer count. */
        void nextRecord() {
            sinceRecord.reset();
        }

        @Override
        public int read() throws IOException {
            return sinceRecord.countedOne(super.read());
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            return sinceRecord.counted(super.read(buffer, offset, length));
        }
    }

    /** A stream that fails once more than {@code maxBytes} have been read from it. */
    static InputStream bounded(InputStream in, long maxBytes) {
        Budget read = new Budget(
                maxBytes, "decompresses to more than " + maxBytes + " bytes, the source's max-decompressed-bytes");
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                return read.countedOne(super.read());
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                return read.counted(super.read(buffer, offset, length));
            }
        };
    }
}
