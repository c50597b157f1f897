package io.sluice.common.batch;

import io.sluice.common.pg.Lsn;

/**
 * The order of a change: the commit LSN of its source transaction, then its position within it. A later version always
 * wins in the loader's merge; an older one never overwrites.
 */
public record Version(long lsn, long seq) implements Comparable<Version> {

    public static final Version ZERO = new Version(0, 0);

    @Override
    public int compareTo(Version other) {
        return compare(lsn, seq, other.lsn, other.seq);
    }

    /** Compares two versions given as their parts, for callers that hold them unboxed. */
    public static int compare(long lsn, long seq, long otherLsn, long otherSeq) {
        int byLsn = Long.compareUnsigned(lsn, otherLsn);
        return byLsn != 0 ? byLsn : Long.compare(seq, otherSeq);
    }

    public boolean isAfter(Version other) {
        return compareTo(other) > 0;
    }

    @Override
    public String toString() {
        return new Lsn(lsn) + "#" + seq;
    }
}
