package io.sluice.getter.files;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON lines: one object per line, values taken by the target's column names (a missing name is NULL, other names are
 * ignored). Strings are taken as they are, other values in their JSON text (numbers, booleans, nested objects as JSON).
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

    private ParsedLine parse(long number, String text) {
        JsonNode object;
        try {
            object = JSON.readTree(text);
        } catch (JacksonException e) {
            return ParsedLine.bad(number, "not JSON: " + e.getOriginalMessage(), text);
        }
        if (!object.isObject()) {
            return ParsedLine.bad(number, "not a JSON object but " + object.getNodeType(), text);
        }
        List<String> values = new ArrayList<>(columns.size());
        for (String column : columns) {
            JsonNode value = object.get(column);
            values.add(
                    value == null || value.isNull() ? null : value.isString() ? value.stringValue() : value.toString());
        }
        return ParsedLine.ok(number, values);
    }
}
