package io.sluice.loader;

import io.sluice.common.pg.Identifiers;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Keeps every version of every key (slowly changing dimensions): each change is a row keyed by key and version, valid
 * from its source commit time until the next version's; a delete is a version flagged {@code _sluice_deleted}. Validity
 * is recomputed over all versions of the keys touched, so versions arriving out of order still chain correctly.
 */
final class HistoryMerge {

    private HistoryMerge() {}

    static void merge(Connection connection, TargetTable table, Staging staging) throws SQLException {
        if (staging.rows() == 0) {
            return;
        }
        List<String> keys = table.keyNames();
        String q = table.name().quoted();
        String validFrom = Identifiers.quote(TargetTable.VALID_FROM);
        String validTo = Identifiers.quote(TargetTable.VALID_TO);
        try (Statement s = connection.createStatement()) {
            s.execute("INSERT INTO " + q + " (" + Sql.list(table.columnNames()) + ", " + Sql.LSN + ", " + Sql.SEQ
                    + ", " + validFrom + ", " + Sql.DELETED + ") SELECT DISTINCT ON (" + Sql.list(keys) + ", " + Sql.LSN
                    + ", " + Sql.SEQ + ") " + Sql.list("s", table.columnNames()) + ", s." + Sql.LSN + ", s." + Sql.SEQ
                    + ", coalesce(s." + Sql.TS + ", now()), s." + Sql.OP + " = 'd' FROM " + staging.quoted() + " s"
                    + " ORDER BY " + Sql.list(keys) + ", " + Sql.LSN + ", " + Sql.SEQ
                    + " ON CONFLICT (" + Sql.list(keys) + ", " + Sql.LSN + ", " + Sql.SEQ + ") DO NOTHING");
            if (staging.anyUnchanged()) {
                s.execute(fillUnsentFromPreviousVersion(table, staging));
            }
            s.execute("UPDATE " + q + " t SET " + validTo + " = n.next FROM (SELECT " + Sql.list(keys) + ", " + Sql.LSN
                    + ", " + Sql.SEQ + ", lead(" + validFrom + ") OVER (PARTITION BY " + Sql.list(keys) + " ORDER BY "
                    + Sql.LSN + ", " + Sql.SEQ + ") AS next FROM " + q + " WHERE (" + Sql.list(keys) + ") IN (SELECT "
                    + Sql.list(keys) + " FROM " + staging.quoted() + ")) n WHERE " + Sql.keyJoin("t", "n", keys)
                    + " AND " + Sql.version("t") + " = " + Sql.version("n") + " AND t." + validTo
                    + " IS DISTINCT FROM n.next");
        }
    }

    /** A version whose change left values unsent takes them from the version before it. */
    private static String fillUnsentFromPreviousVersion(TargetTable table, Staging staging) {
        List<String> names = table.columnNames();
        List<String> keys = table.keyNames();
        String set = IntStream.range(0, names.size())
                .filter(i -> !table.columns().get(i).key())
                .mapToObj(i -> {
                    String c = Identifiers.quote(names.get(i));
                    return c + " = CASE WHEN " + (i + 1) + " = ANY (s." + Sql.UNCHANGED + ") THEN p." + c + " ELSE t."
                            + c + " END";
                })
                .collect(Collectors.joining(", "));
        return "UPDATE " + table.name().quoted() + " t SET " + set + " FROM " + staging.quoted() + " s CROSS JOIN"
                + " LATERAL (SELECT * FROM " + table.name().quoted() + " p WHERE " + Sql.keyJoin("p", "s", keys)
                + " AND " + Sql.version("p") + " < " + Sql.version("s") + " ORDER BY p." + Sql.LSN + " DESC, p."
                + Sql.SEQ + " DESC LIMIT 1) p WHERE s." + Sql.UNCHANGED + " IS NOT NULL AND "
                + Sql.keyJoin("t", "s", keys) + " AND " + Sql.version("t") + " = " + Sql.version("s");
    }
}
