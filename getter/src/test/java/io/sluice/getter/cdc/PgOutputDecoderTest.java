package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.getter.cdc.PgOutputMessage.Begin;
import io.sluice.getter.cdc.PgOutputMessage.Commit;
import io.sluice.getter.cdc.PgOutputMessage.Delete;
import io.sluice.getter.cdc.PgOutputMessage.Insert;
import io.sluice.getter.cdc.PgOutputMessage.Relation;
import io.sluice.getter.cdc.PgOutputMessage.RelationColumn;
import io.sluice.getter.cdc.PgOutputMessage.Truncate;
import io.sluice.getter.cdc.PgOutputMessage.Update;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pgoutput's byte layouts, written here exactly as PostgreSQL's protocol documentation gives them. */
class PgOutputDecoderTest {

    private final PgOutputDecoder decoder = new PgOutputDecoder();

    @Test
    void beginAndCommitCarryTheTransactionPositions() throws IOException {
        assertThat(decoder.decode(bytes(out -> {
                    out.writeByte('B');
                    out.writeLong(0x16B374D848L);
                    out.writeLong(123_456_789L);
                    out.writeInt(742);
                })))
                .isEqualTo(new Begin(0x16B374D848L, 123_456_789L, 742));
        assertThat(decoder.decode(bytes(out -> {
                    out.writeByte('C');
                    out.writeByte(0);
                    out.writeLong(100);
                    out.writeLong(180);
                    out.writeLong(5);
                })))
                .isEqualTo(new Commit(100, 180, 5));
    }

    @Test
    void relationListsColumnsWithTypesAndKeyFlags() throws IOException {
        Relation relation = (Relation) decoder.decode(bytes(out -> {
            out.writeByte('R');
            out.writeInt(16384);
            cstring(out, "public");
            cstring(out, "订单");
            out.writeByte('d');
            out.writeShort(2);
            out.writeByte(1);
            cstring(out, "id");
            out.writeInt(20);
            out.writeInt(-1);
            out.writeByte(0);
            cstring(out, "amount");
            out.writeInt(1700);
            out.writeInt(786438);
        }));
        assertThat(relation.name()).isEqualTo("订单");
        assertThat(relation.columns())
                .containsExactly(
                        new RelationColumn("id", 20, -1, true), new RelationColumn("amount", 1700, 786438, false));
    }

    @Test
    void tuplesKeepTextNullsAndUnchangedToast() throws IOException {
        Update update = (Update) decoder.decode(bytes(out -> {
            out.writeByte('U');
            out.writeInt(7);
            out.writeByte('K');
            tuple(out, "41", null);
            out.writeByte('N');
            out.writeShort(3);
            text(out, "42");
            out.writeByte('n');
            out.writeByte('u');
        }));
        assertThat(update.oldKey().values()).containsExactly("41", null);
        assertThat(update.row().values()).containsExactly("42", null, null);
        assertThat(update.row().unchanged()).containsExactly(false, false, true);

        Insert insert = (Insert) decoder.decode(bytes(out -> {
            out.writeByte('I');
            out.writeInt(7);
            out.writeByte('N');
            tuple(out, "tab\tand 中文", "");
        }));
        assertThat(insert.row().values()).containsExactly("tab\tand 中文", "");
        assertThat(insert.row().anyUnchanged()).isFalse();

        Delete delete = (Delete) decoder.decode(bytes(out -> {
            out.writeByte('D');
            out.writeInt(7);
            out.writeByte('K');
            tuple(out, "42", null);
        }));
        assertThat(delete.oldKey().values()).containsExactly("42", null);
    }

    @Test
    void truncateNamesItsRelations() throws IOException {
        assertThat(decoder.decode(bytes(out -> {
                    out.writeByte('T');
                    out.writeInt(2);
                    out.writeByte(1);
                    out.writeInt(10);
                    out.writeInt(11);
                })))
                .isEqualTo(new Truncate(List.of(10, 11), true, false));
    }

    @Test
    void unknownMessagesAreAnErrorNotSilence() {
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(new byte[] {'Z'})))
                .hasMessageContaining("unknown pgoutput message 'Z'");
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static ByteBuffer bytes(Writer writer) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        // A prefix, as pgjdbc hands over a buffer positioned inside a larger array.
        buffer.write(new byte[] {9, 9, 9});
        writer.write(new DataOutputStream(buffer));
        byte[] all = buffer.toByteArray();
        return ByteBuffer.wrap(all, 3, all.length - 3);
    }

    private static void cstring(DataOutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeByte('t');
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static void tuple(DataOutputStream out, String... values) throws IOException {
        out.writeShort(values.length);
        for (String value : values) {
            if (value == null) {
                out.writeByte('n');
            } else {
                text(out, value);
            }
        }
    }
}
