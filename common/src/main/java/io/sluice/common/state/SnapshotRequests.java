package io.sluice.common.state;

/**
 * The signal table {@code sluice.snapshot_requests}, written by users, the getter's endpoint and pgtask's checks, and
 * read by the getter that holds the source's slot: its statements, in one place.
 */
public final class SnapshotRequests {

    /** Parameters: source, table ({@code schema.table}). */
    public static final String REQUEST_TABLE =
            "INSERT INTO sluice.snapshot_requests (source, table_name) VALUES (?, ?)";

    /** Parameters: source, table, key column, keys ({@code text[]}); returns the request's id. */
    public static final String REQUEST_REPAIR = "INSERT INTO sluice.snapshot_requests"
            + " (source, table_name, key_column, keys) VALUES (?, ?, ?, ?) RETURNING id";

    /** Parameter: the request's id; whether it is still waiting. */
    public static final String WAITING = "SELECT EXISTS (SELECT 1 FROM sluice.snapshot_requests WHERE id = ?)";

    private SnapshotRequests() {}
}
