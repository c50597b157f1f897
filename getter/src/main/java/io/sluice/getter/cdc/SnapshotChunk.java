package io.sluice.getter.cdc;

import io.sluice.common.pg.TableName;

/** A range of a table's pages, {@code [firstPage, endPage)}, read as one unit; {@code endPage} null means to the end. */
record SnapshotChunk(TableName table, int number, long firstPage, Long endPage) {

    /** The row filter that selects this chunk by physical position (a TID range scan since PostgreSQL 14). */
    String ctidFilter() {
        String from = "ctid >= '(" + firstPage + ",0)'::tid";
        return endPage == null ? from : from + " AND ctid < '(" + endPage + ",0)'::tid";
    }
}
