package io.sluice.common.state;

/**
 * The signal table {@code sluice.snapshot_requests}, written by users, the getter's endpoint and pgtask's checks, and
 * read by the getter that holds the source's slot: its statements, in one place.
 */
public final class SnapshotRequests {

    /** Parameters: source, table ({@code schema.table}). */
    public static final String REQUEST_TABLE =
            "INSERT INTO " + StateTables.SNAPSHOT_REQUESTS + " (source, table_name) VALUES (?, ?)";

    /**
     * Parameters: source, table, row filter (an SQL condition on the table, or NULL for every row); returns the
     * request's id, by which {@link #FOLLOW} finds the snapshot it becomes.
     */
    public static final String REQUEST_ROWS = "INSERT INTO " + StateTables.SNAPSHOT_REQUESTS
            + " (source, table_name, row_filter)" + " VALUES (?, ?, ?) RETURNING id";

    /**
     * Parameters: a request's id, twice. Where it stands: {@code requested} while it waits, else its snapshot's state with
     * its chunks done and planned and the rows confirmed so far; no row when a later request for the table replaced
     * it.
     */
    public static final String FOLLOW = "SELECT 'requested' AS state, 0 AS chunks_done, 0 AS chunks, 0 AS rows"
            + " FROM " + StateTables.SNAPSHOT_REQUESTS + " WHERE id = ?"
            + " UNION ALL SELECT s.state, count(c.*) FILTER (WHERE c.state = 'done'), count(c.*), coalesce(sum(c.rows), 0)"
            + " FROM sluice.snapshots s LEFT JOIN sluice.snapshot_chunks c"
            + " ON c.source = s.source AND c.slot = s.slot AND c.scope = s.scope"
            + " WHERE s.request_id = ? GROUP BY s.state";

    /** Parameters: source, table, key column, keys ({@code text[]}); returns the request's id. */
    public static final String REQUEST_REPAIR = "INSERT INTO " + StateTables.SNAPSHOT_REQUESTS
            + " (source, table_name, key_column, keys) VALUES (?, ?, ?, ?) RETURNING id";

    /** Parameter: the request's id; whether it is still waiting. */
    public static final String WAITING =
            "SELECT EXISTS (SELECT 1 FROM " + StateTables.SNAPSHOT_REQUESTS + " WHERE id = ?)";

    private SnapshotRequests() {}
}
