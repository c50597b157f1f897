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
        // Most values need no escape: four vectorised searches tell, and the value goes in whole. Appending char by
        // char took a third of the loader's CPU.
        if (value.indexOf('\\') < 0 && value.indexOf('\t') < 0 && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            out.append(value);
            return this;
        }
        int run = 0;
        for (int i = 0; i < value.length(); i++) {
            String escaped = switch (value.charAt(i)) {
                case '\\' -> "\\\\";
                case '\t' -> "\\t";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> null;
            };
            if (escaped != null) {
                out.append(value, run, i).append(escaped);
                run = i + 1;
            }
        }
        out.append(value, run, value.length());
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
