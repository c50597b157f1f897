package io.sluice.loader;

import io.sluice.common.batch.Column;
import io.sluice.common.pg.Identifiers;
import io.sluice.common.pg.TableName;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks what a batch would put into DDL before any SQL runs: the target's schema and table name, every column name
 * (as an identifier PostgreSQL keeps whole, unique, and none of Sluice's own columns) and every type (shaped like a
 * type name; the type the target gets is then looked up in its catalog, never pasted). A batch that fails is refused
 * with the reason.
 */
final class BatchValidation {

    /** A type as {@code format_type} prints one, or a user would write one: names, one modifier list, array bounds. */
    private static final Pattern TYPE = Pattern.compile("(?:\"(?:[^\"\\x00]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*)"
            + "(?:\\.(?:\"(?:[^\"\\x00]|\"\")+\"|[A-Za-z_][A-Za-z0-9_$]*))?"
            + "(?: [A-Za-z_][A-Za-z0-9_]*)*"
            + "(?:\\( ?-?\\d{1,10} ?(?:, ?-?\\d{1,10} ?)?\\))?"
            + "(?: [A-Za-z_][A-Za-z0-9_]*)*"
            + "(?:\\[\\d{0,10}\\])*");

    private static final int MAX_TYPE_LENGTH = 200;

    /** The names of the columns the loader adds to target tables. */
    static final Set<String> META_COLUMNS = Set.of(
            TargetTable.LSN,
            TargetTable.SEQ,
            TargetTable.OP,
            TargetTable.DELETED,
            TargetTable.VALID_FROM,
            TargetTable.VALID_TO);

    private BatchValidation() {}

    /** Refuses (with {@link SchemaConflictException}) a target table or columns that must not reach DDL. */
    static void check(TableName target, List<Column> targetColumns) {
        name("schema", target.schema());
        name("table", target.name());
        Set<String> seen = new HashSet<>();
        for (Column column : targetColumns) {
            name("column", column.name());
            if (META_COLUMNS.contains(column.name())) {
                throw new SchemaConflictException(
                        "column name " + shown(column.name()) + " is one of the columns Sluice adds to " + target);
            }
            if (!seen.add(column.name())) {
                throw new SchemaConflictException("column " + shown(column.name()) + " appears twice in " + target);
            }
            type(column);
        }
    }

    private static void name(String what, String name) {
        String problem = Identifiers.problem(name);
        if (problem != null) {
            throw new SchemaConflictException(what + " name " + shown(name) + " " + problem);
        }
    }

    private static void type(Column column) {
        String type = column.type();
        if (type.length() > MAX_TYPE_LENGTH || !TYPE.matcher(type).matches()) {
            throw new SchemaConflictException(
                    "column " + shown(column.name()) + " has type " + shown(type) + ", which is not a type name");
        }
    }

    /** A name as a reason may show it: quoted, control characters escaped, at most 80 characters. */
    static String shown(String text) {
        StringBuilder out = new StringBuilder("'");
        text.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append(text.codePointCount(0, text.length()) > 80 ? "…'" : "'")
                .toString();
    }
}
