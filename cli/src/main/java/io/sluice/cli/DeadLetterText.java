package io.sluice.cli;

import io.sluice.common.amqp.BatchMessages;
import io.sluice.common.batch.BatchCodec;
import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Row;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import tools.jackson.databind.json.JsonMapper;

/** How dead letters are printed: a table line, a JSON line, or in full with the batch's first rows. */
final class DeadLetterText {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ROW = "%-8s %9s  %-32s %6s %7s  %s";

    private DeadLetterText() {}

    static String tableHeader() {
        return String.format(ROW, "STAGE", "DEAD FOR", "TABLE", "ROWS", "REPLAYS", "REASON");
    }

    static String tableRow(DeadLetter letter, Instant now) {
        return String.format(
                ROW,
                letter.stage(),
                age(letter.age(now)),
                shorten(letter.table() == null ? "-" : letter.table(), 32),
                letter.rows() == null ? "-" : letter.rows(),
                letter.replays(),
                shorten(letter.reason(), 100));
    }

    static String json(DeadLetter letter, Instant now) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("stage", letter.stage());
        fields.put("source", letter.source());
        fields.put("table", letter.table());
        fields.put("rows", letter.rows());
        fields.put("reason", letter.reason());
        fields.put("sqlstate", letter.sqlState());
        fields.put("deadAt", letter.deadAt() == null ? null : letter.deadAt().toString());
        Duration age = letter.age(now);
        fields.put("ageSeconds", age == null ? null : age.toSeconds());
        fields.put("replays", letter.replays());
        fields.put("exchange", letter.exchange());
        fields.put("routingKey", letter.routingKey());
        fields.put("bytes", letter.body().length);
        return JSON.writeValueAsString(fields);
    }

    static String full(DeadLetter letter, int rows) {
        StringBuilder out = new StringBuilder();
        out.append("── ")
                .append(letter.stage())
                .append(" dead letter: ")
                .append(letter.reason())
                .append('\n');
        Map<String, Object> headers = new TreeMap<>(
                letter.properties().getHeaders() == null
                        ? Map.of()
                        : letter.properties().getHeaders());
        headers.forEach((name, value) ->
                out.append("  ").append(name).append(": ").append(value).append('\n'));
        out.append("  replay to: ")
                .append(letter.replayable() ? letter.exchange() + " " + letter.routingKey() : "(not replayable)")
                .append('\n');
        out.append(body(letter, rows));
        return out.toString();
    }

    private static String body(DeadLetter letter, int rows) {
        MessageProperties properties = new MessageProperties();
        properties.setContentType(letter.properties().getContentType());
        properties.setContentEncoding(letter.properties().getContentEncoding());
        try {
            ChangeBatch batch = new BatchMessages(new BatchCodec(), Integer.MAX_VALUE)
                    .fromMessage(new Message(letter.body(), properties));
            StringBuilder out = new StringBuilder("  columns: ");
            batch.columns().forEach(c -> out.append(c.name()).append(c.key() ? "* " : " "));
            out.append('\n');
            for (Row row : batch.rows().subList(0, Math.min(rows, batch.rows().size()))) {
                out.append("  ")
                        .append(row.op().code())
                        .append(' ')
                        .append(row.version())
                        .append(' ')
                        .append(shorten(String.valueOf(row.values()), 200))
                        .append('\n');
            }
            if (batch.rows().size() > rows) {
                out.append("  … ").append(batch.rows().size() - rows).append(" more rows\n");
            }
            return out.toString();
        } catch (RuntimeException e) { // not a batch: a getter's input line, or a damaged body
            return "  body (" + letter.body().length + " bytes, not a readable batch: " + e.getMessage() + "): "
                    + shorten(new String(letter.body(), StandardCharsets.UTF_8), 500) + "\n";
        }
    }

    static String shorten(String text, int max) {
        String line = text.replace('\n', ' ');
        return line.length() <= max ? line : line.substring(0, max - 1) + "…";
    }

    private static String age(Duration age) {
        if (age == null) {
            return "?";
        }
        long s = Math.max(0, age.toSeconds());
        return s < 120 ? s + "s" : s < 7200 ? s / 60 + "m" : s < 172_800 ? s / 3600 + "h" : s / 86_400 + "d";
    }
}
