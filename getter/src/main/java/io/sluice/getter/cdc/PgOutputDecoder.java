package io.sluice.getter.cdc;

import io.sluice.common.batch.Utf8Values;
import io.sluice.getter.cdc.PgOutputMessage.Begin;
import io.sluice.getter.cdc.PgOutputMessage.Commit;
import io.sluice.getter.cdc.PgOutputMessage.Delete;
import io.sluice.getter.cdc.PgOutputMessage.Ignored;
import io.sluice.getter.cdc.PgOutputMessage.Insert;
import io.sluice.getter.cdc.PgOutputMessage.LogicalMessage;
import io.sluice.getter.cdc.PgOutputMessage.Relation;
import io.sluice.getter.cdc.PgOutputMessage.RelationColumn;
import io.sluice.getter.cdc.PgOutputMessage.Truncate;
import io.sluice.getter.cdc.PgOutputMessage.Tuple;
import io.sluice.getter.cdc.PgOutputMessage.Update;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes pgoutput's binary messages (PostgreSQL's "Logical Replication Message Formats", protocol version 1). Column
 * values arrive in text form, which is also what batches carry, so they are never parsed here.
 */
public final class PgOutputDecoder {

    public PgOutputMessage decode(ByteBuffer buffer) {
        char kind = (char) buffer.get();
        return switch (kind) {
            case 'B' -> new Begin(buffer.getLong(), buffer.getLong(), buffer.getInt());
            case 'C' -> {
                buffer.get(); // flags, unused
                yield new Commit(buffer.getLong(), buffer.getLong(), buffer.getLong());
            }
            case 'R' -> relation(buffer);
            case 'I' -> {
                int relation = buffer.getInt();
                expect(buffer.get(), 'N', "insert");
                yield new Insert(relation, tuple(buffer));
            }
            case 'U' -> update(buffer);
            case 'D' -> {
                int relation = buffer.getInt();
                byte marker = buffer.get();
                if (marker != 'K' && marker != 'O') {
                    throw new IllegalStateException("pgoutput delete without key tuple: " + (char) marker);
                }
                yield new Delete(relation, tuple(buffer));
            }
            case 'T' -> truncate(buffer);
            case 'M' -> logicalMessage(buffer);
            case 'O', 'Y' -> new Ignored(kind);
            default -> throw new IllegalStateException("unknown pgoutput message '" + kind + "'");
        };
    }

    private static Relation relation(ByteBuffer buffer) {
        int id = buffer.getInt();
        String schema = string(buffer);
        String name = string(buffer);
        char identity = (char) buffer.get();
        int count = buffer.getShort();
        List<RelationColumn> columns = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            boolean key = (buffer.get() & 1) != 0;
            String column = string(buffer);
            columns.add(new RelationColumn(column, buffer.getInt(), buffer.getInt(), key));
        }
        return new Relation(id, schema, name, identity, columns);
    }

    private static LogicalMessage logicalMessage(ByteBuffer buffer) {
        boolean transactional = (buffer.get() & 1) != 0;
        long lsn = buffer.getLong();
        String prefix = string(buffer);
        byte[] content = new byte[buffer.getInt()];
        buffer.get(content);
        return new LogicalMessage(transactional, lsn, prefix, content);
    }

    private static Update update(ByteBuffer buffer) {
        int relation = buffer.getInt();
        byte marker = buffer.get();
        Tuple oldKey = null;
        boolean fullRow = marker == 'O';
        if (marker == 'K' || marker == 'O') {
            oldKey = tuple(buffer);
            marker = buffer.get();
        }
        expect(marker, 'N', "update");
        return new Update(relation, oldKey, fullRow, tuple(buffer));
    }

    private static Truncate truncate(ByteBuffer buffer) {
        int count = buffer.getInt();
        byte options = buffer.get();
        List<Integer> relations = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            relations.add(buffer.getInt());
        }
        return new Truncate(relations, (options & 1) != 0, (options & 2) != 0);
    }

    /**
     * A tuple's values as places in the message's own bytes: pgjdbc gives every message its own array, so they can stay
     * there until a stage reads them, and the server has checked them as UTF-8.
     */
    private static Tuple tuple(ByteBuffer buffer) {
        int count = buffer.getShort();
        int[] spans = new int[2 * count];
        boolean[] unchanged = new boolean[count];
        for (int i = 0; i < count; i++) {
            char kind = (char) buffer.get();
            spans[2 * i] = buffer.arrayOffset() + buffer.position();
            switch (kind) {
                case 'n' -> spans[2 * i + 1] = -1;
                case 'u' -> {
                    spans[2 * i + 1] = -1;
                    unchanged[i] = true;
                }
                case 't' -> {
                    int length = buffer.getInt();
                    spans[2 * i] = buffer.arrayOffset() + buffer.position();
                    spans[2 * i + 1] = length;
                    buffer.position(buffer.position() + length);
                }
                default -> throw new IllegalStateException("unexpected tuple value kind '" + kind + "'");
            }
        }
        return new Tuple(new Utf8Values(buffer.array(), spans), unchanged);
    }

    private static String string(ByteBuffer buffer) {
        int start = buffer.position();
        int end = start;
        while (buffer.get(end) != 0) {
            end++;
        }
        String s = new String(buffer.array(), buffer.arrayOffset() + start, end - start, StandardCharsets.UTF_8);
        buffer.position(end + 1);
        return s;
    }

    private static void expect(byte actual, char expected, String message) {
        if (actual != expected) {
            throw new IllegalStateException(
                    "pgoutput " + message + ": expected '" + expected + "' but got '" + (char) actual + "'");
        }
    }
}
