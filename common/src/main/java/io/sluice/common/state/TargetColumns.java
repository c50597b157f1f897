package io.sluice.common.state;

/**
 * The loader's own columns in a target table, which pgtask's checks and jobs read too: the version of each row, its
 * last operation, the soft-delete flag and the history bounds.
 */
public final class TargetColumns {

    /** The commit LSN of the row's version. */
    public static final String LSN = "_sluice_lsn";
    /** The row's position within its transaction: the second half of its version. */
    public static final String SEQ = "_sluice_seq";
    /** The last operation's letter, in tables that keep it. */
    public static final String OP = "_sluice_op";
    /** True on a row deleted at the source, in soft-delete tables. */
    public static final String DELETED = "_sluice_deleted";

    public static final String VALID_FROM = "_sluice_valid_from";
    public static final String VALID_TO = "_sluice_valid_to";
    /** The prefix of every such column: none of them is the source's data. */
    public static final String PREFIX = "_sluice";

    private TargetColumns() {}
}
