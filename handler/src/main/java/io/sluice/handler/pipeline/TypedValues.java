package io.sluice.handler.pipeline;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * PostgreSQL text values as Java values, for the steps that need them (cast, expressions): values travel as text and
 * are parsed only here. A value that does not parse throws {@link IllegalArgumentException} with a readable reason.
 */
final class TypedValues {

    private static final Set<String> INTEGERS = Set.of("smallint", "integer", "bigint", "int2", "int4", "int8");
    private static final Set<String> NARROW_INTEGERS = Set.of("smallint", "integer", "int2", "int4");
    private static final Set<String> DECIMALS =
            Set.of("numeric", "decimal", "real", "double precision", "float4", "float8");
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd[ ]['T']HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd()
            .toFormatter(Locale.ROOT);
    private static final DateTimeFormatter TIMESTAMPTZ = new DateTimeFormatterBuilder()
            .append(TIMESTAMP)
            .appendPattern("[XXX][XX][X]")
            .toFormatter(Locale.ROOT);

    /** The types {@code cast} accepts. */
    static final Set<String> CASTABLE = Set.of(
            "smallint",
            "integer",
            "bigint",
            "int2",
            "int4",
            "int8",
            "numeric",
            "decimal",
            "real",
            "double precision",
            "float4",
            "float8",
            "boolean",
            "bool",
            "date",
            "timestamp",
            "timestamp without time zone",
            "timestamptz",
            "timestamp with time zone",
            "text");

    private TypedValues() {}

    /** Base names by type, since every parsed value asks: a batch has few types and many values. */
    private static final Map<String, String> BASE_TYPES = new ConcurrentHashMap<>();

    /** The base type name, without a modifier: {@code numeric(10,2)} is {@code numeric}. */
    static String baseType(String type) {
        return BASE_TYPES.computeIfAbsent(type, t -> {
            int paren = t.indexOf('(');
            return (paren < 0 ? t : t.substring(0, paren)).trim().toLowerCase(Locale.ROOT);
        });
    }

    /** Turns a column's text into its Java value; resolved once per column type, used for every value. */
    @FunctionalInterface
    interface Parser {
        /** The value, or null for null; a value that does not parse is an {@link IllegalArgumentException}. */
        Object parse(String text);
    }

    private static final Map<String, Parser> PARSERS = new ConcurrentHashMap<>();

    /** The value as a Java object of its column's type: Long, BigDecimal, Boolean, a date or time, else the text. */
    static Object parse(String text, String type) {
        return parser(type).parse(text);
    }

    /** The parser of a column type, for steps that parse many values of one column. */
    static Parser parser(String type) {
        return PARSERS.computeIfAbsent(type, TypedValues::newParser);
    }

    private static Parser newParser(String type) {
        String base = baseType(type);
        if (INTEGERS.contains(base)) {
            return checked(base, text -> Long.parseLong(text.trim()));
        }
        if (DECIMALS.contains(base)) {
            return checked(base, text -> new BigDecimal(text.trim()));
        }
        return switch (base) {
            case "boolean", "bool" -> checked(base, TypedValues::parseBoolean);
            case "date" -> checked(base, text -> LocalDate.parse(text.trim()));
            case "timestamp", "timestamp without time zone" ->
                checked(base, text -> LocalDateTime.parse(text.trim(), TIMESTAMP));
            case "timestamptz", "timestamp with time zone" ->
                checked(base, text -> OffsetDateTime.parse(text.trim(), TIMESTAMPTZ));
            default -> text -> text;
        };
    }

    private static Parser checked(String base, Parser parser) {
        return text -> {
            if (text == null) {
                return null;
            }
            try {
                return parser.parse(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("'" + text + "' is not a valid " + base);
            }
        };
    }

    /**
     * The Java type expressions read values of this column type as: what {@link #parse} gives, except that
     * {@code integer} and {@code smallint} are Integer when {@code narrowIntegers} — so that {@code kind >= 0} (an int
     * literal) compiles, which SpEL only does for operands of one numeric type.
     */
    static Class<?> javaType(String type, boolean narrowIntegers) {
        String base = baseType(type);
        if (INTEGERS.contains(base)) {
            return narrowIntegers && NARROW_INTEGERS.contains(base) ? Integer.class : Long.class;
        }
        if (DECIMALS.contains(base)) {
            return BigDecimal.class;
        }
        return switch (base) {
            case "boolean", "bool" -> Boolean.class;
            case "date" -> LocalDate.class;
            case "timestamp", "timestamp without time zone" -> LocalDateTime.class;
            case "timestamptz", "timestamp with time zone" -> OffsetDateTime.class;
            default -> String.class;
        };
    }

    /** The PostgreSQL text form of a value of this type. */
    static String format(Object value, String type) {
        // The common values first: they need no look at the type.
        if (value == null || value instanceof String) {
            return (String) value;
        }
        if (value instanceof Long || value instanceof Integer) {
            return value.toString();
        }
        if (value instanceof BigDecimal d) {
            return d.toPlainString();
        }
        String base = baseType(type);
        if (value instanceof Boolean b && (base.equals("boolean") || base.equals("bool"))) {
            return b ? "t" : "f";
        }
        if (value instanceof LocalDateTime t && base.startsWith("timestamp")) {
            return t.toString().replace('T', ' ');
        }
        if (value instanceof OffsetDateTime t) {
            return t.toString().replace('T', ' ');
        }
        return value.toString();
    }

    private static Boolean parseBoolean(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "t", "true", "yes", "y", "on", "1" -> true;
            case "f", "false", "no", "n", "off", "0" -> false;
            default -> throw new IllegalArgumentException(text);
        };
    }
}
