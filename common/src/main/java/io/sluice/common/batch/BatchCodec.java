package io.sluice.common.batch;

import io.sluice.common.pg.TableName;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and writes {@link ChangeBatch}es as the versioned JSON of DESIGN.md. Batches are the hot path of every stage:
 * they are read with Jackson's streaming parser (hand-driven, so an unknown {@code v} fails with a clear message) and
 * written by {@link JsonBatchWriter}, which knows their one shape.
 */
public final class BatchCodec {

    public static final String CONTENT_TYPE = "application/vnd.sluice.batch+json;v=" + ChangeBatch.VERSION;

    private final JsonMapper mapper;

    public BatchCodec() {
        this(JsonMapper.builder().build());
    }

    public BatchCodec(JsonMapper mapper) {
        this.mapper = mapper;
    }

    public byte[] encode(ChangeBatch batch) {
        return JsonBatchWriter.write(batch);
    }

    /**
     * Decodes one message body.
     *
     * @throws UnsupportedBatchVersionException when {@code v} is not a version this build reads
     * @throws MalformedBatchException when the body is not a batch
     */
    public ChangeBatch decode(byte[] body) {
        try (JsonParser p = mapper.createParser(body)) {
            return readBatch(p);
        } catch (JacksonException e) {
            throw new MalformedBatchException("not a batch: " + e.getOriginalMessage(), e);
        } catch (DateTimeParseException | IllegalArgumentException e) {
            if (e instanceof MalformedBatchException m) {
                throw m;
            }
            throw new MalformedBatchException("not a batch: " + e.getMessage(), e);
        }
    }

    private ChangeBatch readBatch(JsonParser p) {
        expect(p.nextToken(), JsonToken.START_OBJECT, "a batch is a JSON object");
        Integer version = null;
        String source = null;
        Origin origin = null;
        TableName table = null;
        List<Column> columns = null;
        List<Row> rows = null;
        List<Column> previousColumns = null;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "v" -> {
                    expect(value, JsonToken.VALUE_NUMBER_INT, "v is a whole number");
                    version = p.getIntValue();
                    if (version != ChangeBatch.VERSION) {
                        throw new UnsupportedBatchVersionException(version);
                    }
                }
                case "source" -> source = p.getString();
                case "origin" -> origin = Origin.ofWireName(p.getString());
                case "table" -> table = TableName.parse(p.getString());
                case "columns" -> columns = readColumns(p);
                case "rows" -> rows = readRows(p);
                case "previousColumns" -> previousColumns = readColumns(p);
                default -> p.skipChildren(); // fields added within v1 are ignored by older readers
            }
        }
        if (version == null) {
            throw new MalformedBatchException("batch has no contract version 'v'");
        }
        require(source, "source");
        require(origin, "origin");
        require(table, "table");
        require(columns, "columns");
        require(rows, "rows");
        return new ChangeBatch(source, origin, table, columns, rows, previousColumns);
    }

    private static List<Column> readColumns(JsonParser p) {
        expect(p.currentToken(), JsonToken.START_ARRAY, "columns is an array");
        List<Column> columns = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String name = null;
            String type = null;
            boolean key = false;
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "name" -> name = p.getString();
                    case "type" -> type = p.getString();
                    case "key" -> key = p.getBooleanValue();
                    default -> p.skipChildren();
                }
            }
            require(name, "columns[].name");
            require(type, "columns[].type");
            columns.add(new Column(name, type, key));
        }
        return columns;
    }

    private static List<Row> readRows(JsonParser p) {
        expect(p.currentToken(), JsonToken.START_ARRAY, "rows is an array");
        List<Row> rows = new ArrayList<>();
        Times times = new Times();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            rows.add(readRow(p, times));
        }
        return rows;
    }

    /** The rows of a transaction share one commit time: parse its text once per batch, not once per row. */
    private static final class Times {
        private String lastText;
        private Instant last;

        Instant parse(String text) {
            if (!text.equals(lastText)) {
                last = Instant.parse(text);
                lastText = text;
            }
            return last;
        }
    }

    private static Row readRow(JsonParser p, Times times) {
        Op op = null;
        long lsn = 0;
        long seq = 0;
        Instant ts = null;
        List<String> values = null;
        List<Integer> unchanged = List.of();
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String field = p.currentName();
            JsonToken token = p.nextToken();
            switch (field) {
                case "op" -> op = Op.ofCode(p.getString());
                case "lsn" -> lsn = p.getLongValue();
                case "seq" -> seq = p.getLongValue();
                case "ts" -> ts = token == JsonToken.VALUE_NULL ? null : times.parse(p.getString());
                case "values" -> values = readValues(p);
                case "unchanged" -> unchanged = readInts(p);
                default -> p.skipChildren();
            }
        }
        require(op, "rows[].op");
        require(values, "rows[].values");
        return new Row(op, lsn, seq, ts, values, unchanged);
    }

    private static List<String> readValues(JsonParser p) {
        expect(p.currentToken(), JsonToken.START_ARRAY, "values is an array");
        List<String> values = new ArrayList<>();
        JsonToken token;
        while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
            if (token == JsonToken.VALUE_NULL) {
                values.add(null);
            } else if (token.isScalarValue()) {
                values.add(p.getString());
            } else {
                throw new MalformedBatchException("values hold text-format strings or null, not " + token);
            }
        }
        // Nulls are SQL NULLs, so the list must allow them; it is still read-only.
        return Collections.unmodifiableList(Arrays.asList(values.toArray(String[]::new)));
    }

    private static List<Integer> readInts(JsonParser p) {
        expect(p.currentToken(), JsonToken.START_ARRAY, "unchanged is an array");
        List<Integer> ints = new ArrayList<>();
        while (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
            ints.add(p.getIntValue());
        }
        return ints;
    }

    private static void expect(JsonToken actual, JsonToken expected, String what) {
        if (actual != expected) {
            throw new MalformedBatchException(what + " (found " + actual + ")");
        }
    }

    private static void require(Object value, String field) {
        if (value == null) {
            throw new MalformedBatchException("batch has no '" + field + "'");
        }
    }
}
