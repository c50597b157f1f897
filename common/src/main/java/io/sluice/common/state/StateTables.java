package io.sluice.common.state;

/**
 * The state tables in schema {@code sluice} that more than one service reads or writes, named once (the migrations in
 * {@code io/sluice/common/db/migration} create them; docs/architecture.md says who writes each).
 */
public final class StateTables {

    /** Ad hoc snapshot and repair requests: users, the getter's API and pgtask's checks write; the getter takes them. */
    public static final String SNAPSHOT_REQUESTS = "sluice.snapshot_requests";
    /** Data check outcomes: pgtask writes; the CLI and reports read. */
    public static final String CHECK_RESULTS = "sluice.check_results";
    /** Versions of hard-deleted keys: the loader writes; pgtask purges past the horizon. */
    public static final String TOMBSTONES = "sluice.tombstones";
    /** Deletes of keyless rows not yet matched: the loader writes; pgtask purges. */
    public static final String KEYLESS_DELETES = "sluice.keyless_deletes";

    private StateTables() {}
}
