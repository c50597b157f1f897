package io.sluice.common.pg;

import java.util.regex.Pattern;

/**
 * A {@code schema.table} glob — {@code public.orders}, {@code shop.*}, {@code *.audit_?} — matched against a table's
 * text form; {@code *} and {@code ?} stand for any run of characters and any one character, everything else for itself.
 */
public record TablePattern(String glob, Pattern regex) {

    public static TablePattern of(String glob) {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("a table pattern must not be empty");
        }
        String text = glob.strip();
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return new TablePattern(text, Pattern.compile(regex.toString(), Pattern.DOTALL));
    }

    public boolean matches(TableName table) {
        return regex.matcher(table.toString()).matches();
    }

    @Override
    public String toString() {
        return glob;
    }
}
