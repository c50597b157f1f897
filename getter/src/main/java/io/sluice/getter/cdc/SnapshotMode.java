package io.sluice.getter.cdc;

/** When a source's existing rows are read, beside the changes its slot streams. */
public enum SnapshotMode {
    /** When the slot is created (first start, or after it was dropped); resumed until complete. */
    INITIAL,
    /** Never: only changes from the slot's creation on. */
    NEVER,
    /** Read the tables once, consistently, then stop: no slot is kept. */
    INITIAL_ONLY,
    /** Like {@link #INITIAL}, and also when the slot was invalidated (its WAL removed): the slot is recreated. */
    WHEN_NEEDED;

    boolean snapshotsNewSlot() {
        return this != NEVER;
    }
}
