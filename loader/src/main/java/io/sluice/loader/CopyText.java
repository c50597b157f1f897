package io.sluice.loader;

/** Writes values in the text format of {@code COPY ... FROM STDIN}: tab-separated, {@code \N} for NULL, escaped. */
final class CopyText {

    private final StringBuilder out;
    private boolean rowStart = true;

    CopyText(int expectedChars) {
        out = new StringBuilder(expectedChars);
    }

    CopyText value(String value) {
        if (!rowStart) {
            out.append('\t');
        }
        rowStart = false;
        if (value == null) {
            out.append("\\N");
            return this;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return this;
    }

    CopyText endRow() {
        out.append('\n');
        rowStart = true;
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
