package io.sluice.loader;

import io.sluice.common.pg.Identifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The type a target column gets for a batch's type name, as the target's own catalog prints it ({@code format_type} of
 * the resolved type and modifier): the batch's text is only ever a parameter of the look-up, never part of DDL. A type
 * the target does not know (an enum or domain of the source) becomes {@code text}, which takes its values' text form.
 */
final class TargetTypes {

    private static final Logger log = LoggerFactory.getLogger(TargetTypes.class);
    /** The modifier list of a type name, e.g. {@code (12,2)} of {@code numeric(12,2)}. */
    private static final Pattern MODIFIERS = Pattern.compile("\\(([-0-9 ,]+)\\)");

    private final Map<String, String> resolved = new ConcurrentHashMap<>();

    /** The DDL type for {@code type}, resolved in the target. */
    String inTarget(Connection connection, String type) throws SQLException {
        String known = resolved.get(type);
        if (known != null) {
            return known;
        }
        String ddl = connection.getMetaData().getDatabaseMajorVersion() >= 17
                ? withTypmodFunction(connection, type)
                : withTypmodInput(connection, type);
        if (ddl == null) {
            log.info("the target has no type {}: its column is text", BatchValidation.shown(type));
            ddl = "text";
        }
        resolved.put(type, ddl);
        return ddl;
    }

    /** PostgreSQL 17's {@code to_regtypemod} parses the modifier exactly as a column definition would. */
    private static String withTypmodFunction(Connection connection, String type) throws SQLException {
        try (PreparedStatement query =
                connection.prepareStatement("SELECT format_type(to_regtype(?), to_regtypemod(?))")) {
            query.setString(1, type);
            query.setString(2, type);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /**
     * Before 17: the type by {@code to_regtype}, and its modifier from the type's own modifier-input function (named
     * by the catalog) applied to the numbers in the name's parentheses. Interval field restrictions are not kept.
     */
    private static String withTypmodInput(Connection connection, String type) throws SQLException {
        long oid;
        String typmodIn;
        try (PreparedStatement query = connection.prepareStatement("SELECT t.oid, n.nspname, p.proname FROM pg_type t"
                + " LEFT JOIN pg_proc p ON p.oid = t.typmodin LEFT JOIN pg_namespace n ON n.oid = p.pronamespace"
                + " WHERE t.oid = to_regtype(?)")) {
            query.setString(1, type);
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                oid = rs.getLong(1);
                typmodIn = rs.getString(3) == null ? null : Identifiers.quote(rs.getString(2), rs.getString(3));
            }
        }
        Matcher modifiers = MODIFIERS.matcher(type);
        boolean typmod = typmodIn != null && modifiers.find();
        String sql = typmod
                ? "SELECT format_type(?::oid, " + typmodIn + "(?::cstring[]))"
                : "SELECT format_type(?::oid, NULL)";
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setLong(1, oid);
            if (typmod) {
                query.setString(2, "{" + modifiers.group(1).replace(" ", "") + "}");
            }
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
