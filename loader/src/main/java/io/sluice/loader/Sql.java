package io.sluice.loader;

import io.sluice.common.pg.Identifiers;
import java.util.List;
import java.util.stream.Collectors;

/** Small builders for the merge statements' repeated fragments; every name passes through {@link Identifiers}. */
final class Sql {

    static final String LSN = Identifiers.quote(TargetTable.LSN);
    static final String SEQ = Identifiers.quote(TargetTable.SEQ);
    static final String OP = Identifiers.quote(TargetTable.OP);
    static final String DELETED = Identifiers.quote(TargetTable.DELETED);
    static final String UNCHANGED = Identifiers.quote(Staging.UNCHANGED);
    static final String TS = Identifiers.quote(Staging.TS);

    private Sql() {}

    /** {@code "a", "b"} */
    static String list(List<String> names) {
        return names.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
    }

    /** {@code l."a", l."b"} */
    static String list(String alias, List<String> names) {
        return names.stream().map(n -> alias + "." + Identifiers.quote(n)).collect(Collectors.joining(", "));
    }

    /** {@code t."a" = l."a" AND t."b" = l."b"} */
    static String keyJoin(String left, String right, List<String> keys) {
        return keys.stream()
                .map(k -> left + "." + Identifiers.quote(k) + " = " + right + "." + Identifiers.quote(k))
                .collect(Collectors.joining(" AND "));
    }

    /** {@code (t."_sluice_lsn", t."_sluice_seq")}, the version as a comparable row value. */
    static String version(String alias) {
        return "(" + alias + "." + LSN + ", " + alias + "." + SEQ + ")";
    }

    /** The key as a text array, the form {@code sluice.tombstones} and {@code sluice.toast_gaps} keep it in. */
    static String keyArray(String alias, List<String> keys) {
        return "ARRAY[" + asText(alias, keys) + "]";
    }

    /** {@code md5(ROW(a."x"::text, …)::text)}: a row's values as text, the identity a keyless row has. */
    static String rowHash(String alias, List<String> columns) {
        return "md5(ROW(" + asText(alias, columns) + ")::text)";
    }

    /** {@code a."x"::text, a."y"::text} */
    private static String asText(String alias, List<String> names) {
        return names.stream()
                .map(n -> alias + "." + Identifiers.quote(n) + "::text")
                .collect(Collectors.joining(", "));
    }

    /** The newest row per key of the staging table. */
    static String latest(String staging, List<String> keys) {
        return "SELECT DISTINCT ON (" + list(keys) + ") * FROM " + Identifiers.quote(staging) + " ORDER BY "
                + list(keys) + ", " + LSN + " DESC, " + SEQ + " DESC";
    }
}
