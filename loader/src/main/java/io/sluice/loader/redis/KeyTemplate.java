package io.sluice.loader.redis;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.batch.Row;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis key template such as {@code {table}:{id}}, bound to one batch's columns: {@code {schema}}, {@code {table}},
 * {@code {key}} (the key columns' values joined by {@code :}) or any column's name between braces.
 */
final class KeyTemplate {

    private static final int SCHEMA = -1;
    private static final int TABLE = -2;
    private static final int KEY = -3;
    /** Where Sluice keeps versions and gaps ({@link VersionKeys}). */
    private static final String OWN_PREFIX = "sluice:";

    private final String template;
    private final List<String> literals = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    KeyTemplate(String template) {
        this.template = template;
        int at = 0;
        while (true) {
            int open = template.indexOf('{', at);
            if (open < 0) {
                literals.add(template.substring(at));
                break;
            }
            int close = template.indexOf('}', open);
            if (close < 0 || close == open + 1) {
                throw new IllegalArgumentException("key template '" + template + "': a '{' at " + open
                        + " opens no {name} (use {schema}, {table}, {key} or a column's name)");
            }
            literals.add(template.substring(at, open));
            names.add(template.substring(open + 1, close));
            at = close + 1;
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException(
                    "key template '" + template + "' names no column: every row would share one key");
        }
    }

    @Override
    public String toString() {
        return template;
    }

    /** The template's placeholders resolved against a batch's columns; fails with the reason if one names none. */
    Bound bind(ChangeBatch batch) {
        int[] places = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            places[i] = switch (name) {
                case "schema" -> SCHEMA;
                case "table" -> TABLE;
                case "key" -> {
                    if (batch.keyIndexes().length == 0) {
                        throw new IllegalArgumentException("key template '" + template + "' uses {key}, but "
                                + batch.table() + " has no key (no primary key or replica identity)");
                    }
                    yield KEY;
                }
                default -> column(batch, name);
            };
        }
        return new Bound(batch, places);
    }

    private int column(ChangeBatch batch, String name) {
        List<Column> columns = batch.columns();
        for (int c = 0; c < columns.size(); c++) {
            if (columns.get(c).name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(
                "key template '" + template + "' names {" + name + "}, which is not a column" + " of " + batch.table()
                        + " (" + columns.stream().map(Column::name).toList() + ")");
    }

    /** The template for one batch: builds each row's key. */
    final class Bound {

        private final ChangeBatch batch;
        private final int[] places;

        private Bound(ChangeBatch batch, int[] places) {
            this.batch = batch;
            this.places = places;
        }

        /** The row's key, or an exception saying which value is missing (a NULL or unsent column in the key). */
        String keyOf(Row row) {
            StringBuilder key = new StringBuilder(literals.getFirst());
            for (int i = 0; i < places.length; i++) {
                switch (places[i]) {
                    case SCHEMA -> key.append(batch.table().schema());
                    case TABLE -> key.append(batch.table().name());
                    case KEY -> {
                        int[] keys = batch.keyIndexes();
                        for (int k = 0; k < keys.length; k++) {
                            key.append(k == 0 ? "" : ":").append(value(row, keys[k]));
                        }
                    }
                    default -> key.append(value(row, places[i]));
                }
                key.append(literals.get(i + 1));
            }
            // A table named sluice under '{table}:{key}' must not reach the keys that hold versions and gaps.
            String rendered = key.toString();
            if (rendered.startsWith(OWN_PREFIX)) {
                throw new IllegalArgumentException("key template '" + template + "' makes " + rendered
                        + " for a row of " + batch.table() + ": keys under " + OWN_PREFIX + " are Sluice's own");
            }
            return rendered;
        }

        private String value(Row row, int column) {
            String value = row.values().get(column);
            if (value == null || row.isUnchanged(column)) {
                throw new IllegalArgumentException("key template '" + template + "': column "
                        + batch.columns().get(column).name() + " of " + batch.table() + " is NULL in this row");
            }
            return value;
        }
    }
}
