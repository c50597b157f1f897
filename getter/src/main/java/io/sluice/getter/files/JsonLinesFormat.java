package io.sluice.getter.files;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON lines: one object per line, values taken by the target's column names (a missing name is NULL, other names are
 * ignored). Strings are taken unescaped, every other value as its exact JSON text (numbers as written, booleans, nested
 * objects and arrays character for character).
 * Blank lines are skipped; a line that is not a JSON object is a bad line.
 */
record JsonLinesFormat(List<String> columns, Charset charset, long maxLineChars) implements LineFormat {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    @Override
    public Iterator<ParsedLine> read(InputStream in) {
        InputLimits.RecordReader limited = LineFormat.strictReader(in, charset, maxLineChars);
        BufferedReader reader = new BufferedReader(limited, 1 << 16);
        return new Iterator<>() {
            private long number;
            private String line;

            @Override
            public boolean hasNext() {
                try {
                    while (line == null) {
                        String next = reader.readLine();
                        if (next == null) {
                            return false;
                        }
                        number++;
                        limited.nextRecord();
                        if (!next.isBlank()) {
                            line = next;
                        }
                    }
                    return true;
                } catch (IOException e) {
                    throw LineFormat.readFailure(e, charset, "line " + number);
                }
            }

            @Override
            public ParsedLine next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                String text = line;
                line = null;
                return parse(number, text);
            }
        };
    }

    /**
     * One line's values, each as its exact JSON text: strings unescaped, numbers as written ({@code 1.50},
     * {@code 1e3}, {@code 12345678901234567.89} — never through a double), nested objects and arrays as their own
     * characters; a name given twice takes its last value, as {@code jsonb} does.
     */
    private ParsedLine parse(long number, String text) {
        Map<String, String> fields = new HashMap<>();
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return ParsedLine.bad(number, "not a JSON object but " + describe(parser.currentToken()), text);
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.PROPERTY_NAME; token = parser.nextToken()) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                fields.put(
                        name,
                        switch (value) {
                            case VALUE_NULL -> null;
                            case START_OBJECT, START_ARRAY -> {
                                int start = (int) parser.currentTokenLocation().getCharOffset();
                                parser.skipChildren();
                                yield text.substring(
                                        start, (int) parser.currentLocation().getCharOffset());
                            }
                            default -> parser.getString(); // a string unescaped, a number or boolean as written
                        });
            }
            if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                return ParsedLine.bad(number, "not one JSON object", text);
            }
        } catch (JacksonException e) {
            return ParsedLine.bad(number, "not JSON: " + e.getOriginalMessage(), text);
        }
        List<String> values = new ArrayList<>(columns.size());
        for (String column : columns) {
            values.add(fields.get(column));
        }
        return ParsedLine.ok(number, values);
    }

    /** A token as the kind of JSON value it starts. */
    private static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_ARRAY -> "ARRAY";
            case VALUE_STRING -> "STRING";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "NUMBER";
            case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
            case VALUE_NULL -> "NULL";
            default -> token.name();
        };
    }
}
