package io.sluice.getter.cdc;

import java.util.List;

/** The pgoutput logical replication messages the getter acts on (protocol version 1). */
public sealed interface PgOutputMessage {

    /** A transaction starts; {@code finalLsn} is its commit LSN, known up front. */
    record Begin(long finalLsn, long commitTimeMicros, int xid) implements PgOutputMessage {}

    /** A transaction ends; {@code endLsn} is where the next one starts and what the slot is told once it is done. */
    record Commit(long commitLsn, long endLsn, long commitTimeMicros) implements PgOutputMessage {}

    /** Describes a table before its first change in a session (and again after its schema changes). */
    /** A table's shape; {@code replicaIdentity} is pg_class.relreplident ('d', 'n', 'f' or 'i'). */
    record Relation(int id, String schema, String name, char replicaIdentity, List<RelationColumn> columns)
            implements PgOutputMessage {

        Relation(int id, String schema, String name, List<RelationColumn> columns) {
            this(id, schema, name, 'd', columns);
        }
    }

    /** One column of a {@link Relation}. */
    record RelationColumn(String name, int typeOid, int typeModifier, boolean key) {}

    record Insert(int relationId, Tuple row) implements PgOutputMessage {}

    /**
     * {@code oldKey} is the old key when the key changed, the whole old row under REPLICA IDENTITY FULL
     * ({@code oldIsFullRow}), else {@code null}.
     */
    record Update(int relationId, Tuple oldKey, boolean oldIsFullRow, Tuple row) implements PgOutputMessage {

        public Update(int relationId, Tuple oldKey, Tuple row) {
            this(relationId, oldKey, false, row);
        }
    }

    record Delete(int relationId, Tuple oldKey) implements PgOutputMessage {}

    record Truncate(List<Integer> relationIds, boolean cascade, boolean restartIdentity) implements PgOutputMessage {}

    /** A logical message ({@code pg_logical_emit_message}); Sluice's own heartbeats are non-transactional ones. */
    record LogicalMessage(boolean transactional, long lsn, String prefix, byte[] content) implements PgOutputMessage {}

    /** Messages the getter reads past: origin, type. */
    record Ignored(char kind) implements PgOutputMessage {}

    /**
     * Column values in text form (read-only, as the message's own bytes where it came from the server);
     * {@code unchanged[i]} marks a TOAST value the server did not send.
     */
    record Tuple(java.util.List<String> values, boolean[] unchanged) {

        public Tuple(String[] values, boolean[] unchanged) {
            this(java.util.Collections.unmodifiableList(java.util.Arrays.asList(values)), unchanged);
        }

        /** A copy of the values to change. */
        public String[] valuesCopy() {
            return values.toArray(String[]::new);
        }

        public boolean anyUnchanged() {
            for (boolean u : unchanged) {
                if (u) {
                    return true;
                }
            }
            return false;
        }
    }
}
