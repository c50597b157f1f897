package io.sluice.getter.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.batch.ChangeBatch;
import io.sluice.common.batch.Column;
import io.sluice.common.pg.Lsn;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The slot-advance rule through the {@link WalStream} seam, with pgoutput bytes as the server sends them: the slot is
 * told a position only when every transaction up to it is confirmed by the broker, in commit order, whatever order the
 * confirms come in; a failed publish never moves it.
 */
class StreamLoopTest {

    private final ScriptedWal wal = new ScriptedWal();
    private final List<ChangeBatch> published = new ArrayList<>();
    private final List<CompletableFuture<Void>> confirms = new ArrayList<>();
    private final StreamLoop loop = new StreamLoop(wal, assembler(Duration.ZERO), 100);

    @Test
    void theSlotMovesOnlyOverTransactionsWhoseEveryBatchIsConfirmedInCommitOrder() throws Exception {
        wal.add(relation());
        for (int t = 1; t <= 3; t++) {
            wal.add(begin(lsn(t)));
            wal.add(insert(Integer.toString(t)));
            wal.add(commit(lsn(t), lsn(t) + 8));
        }
        drain();
        assertThat(published).hasSize(3); // no linger: a batch per transaction
        assertThat(wal.confirmed).as("nothing is confirmed yet").isEmpty();

        confirms.get(1).complete(null); // the second transaction's confirm comes first
        drain();
        assertThat(wal.confirmed).as("the first is still in flight").isEmpty();

        confirms.get(0).complete(null);
        drain();
        assertThat(wal.confirmed).containsExactly(new Lsn(lsn(2) + 8));

        confirms.get(2).complete(null);
        drain();
        assertThat(wal.confirmed).containsExactly(new Lsn(lsn(2) + 8), new Lsn(lsn(3) + 8));
        assertThat(loop.reported()).isEqualTo(new Lsn(lsn(3) + 8));
    }

    @Test
    void aFailedPublishEndsTheSessionWithoutMovingTheSlot() throws Exception {
        wal.add(relation());
        wal.add(begin(lsn(1)));
        wal.add(insert("1"));
        wal.add(commit(lsn(1), lsn(1) + 8));
        wal.add(begin(lsn(2)));
        wal.add(insert("2"));
        wal.add(commit(lsn(2), lsn(2) + 8));
        drain();
        confirms.get(0).completeExceptionally(new IllegalStateException("broker nacked"));
        confirms.get(1).complete(null);

        assertThatThrownBy(this::drain)
                .isInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("broker nacked");
        assertThat(wal.confirmed)
                .as("the later, confirmed transaction does not move the slot past the failed one")
                .isEmpty();
    }

    @Test
    void lingeringRowsArePublishedAtTheEndSoTheirPositionIsConfirmed() throws Exception {
        StreamLoop lingering = new StreamLoop(wal, assembler(Duration.ofHours(1)), 100);
        wal.add(relation());
        for (int t = 1; t <= 2; t++) {
            wal.add(begin(lsn(t)));
            wal.add(insert(Integer.toString(t)));
            wal.add(commit(lsn(t), lsn(t) + 8));
        }
        while (!wal.messages.isEmpty()) {
            lingering.turn();
        }
        assertThat(published).as("both transactions linger in one batch").isEmpty();

        confirmEverythingPublishedAsItIs();
        lingering.finish();
        assertThat(published)
                .singleElement()
                .satisfies(batch -> assertThat(batch.rows()).hasSize(2));
        assertThat(wal.confirmed).containsExactly(new Lsn(lsn(2) + 8));
        assertThat(wal.closed).isTrue();
    }

    @Test
    void aPauseKeepsTheSessionAliveAndStillReportsConfirms() throws Exception {
        wal.add(relation());
        wal.add(begin(lsn(1)));
        wal.add(insert("1"));
        wal.add(commit(lsn(1), lsn(1) + 8));
        drain();
        confirms.get(0).complete(null);
        loop.hold();
        assertThat(wal.keepAlives).isEqualTo(1);
        assertThat(wal.confirmed).containsExactly(new Lsn(lsn(1) + 8));
    }

    private void drain() throws Exception {
        do {
            loop.turn();
        } while (!wal.messages.isEmpty());
    }

    private void confirmEverythingPublishedAsItIs() {
        sinkConfirmsAtOnce = true;
    }

    private boolean sinkConfirmsAtOnce;

    private TransactionAssembler assembler(Duration linger) {
        return new TransactionAssembler(
                "shop",
                100,
                Long.MAX_VALUE,
                linger,
                batch -> {
                    published.add(batch);
                    CompletableFuture<Void> confirm =
                            sinkConfirmsAtOnce ? CompletableFuture.completedFuture(null) : new CompletableFuture<>();
                    confirms.add(confirm);
                    return confirm;
                },
                relation -> relation.columns().stream()
                        .map(c -> new Column(c.name(), "bigint", c.key()))
                        .toList(),
                TransactionAssembler.UnchangedValues.NONE);
    }

    private static long lsn(int transaction) {
        return 0x1_0000_0000L + 1_000L * transaction;
    }

    /** A stream read from a script of messages, recording what the loop reports. */
    private static final class ScriptedWal implements WalStream {
        final Deque<ByteBuffer> messages = new ArrayDeque<>();
        final List<Lsn> confirmed = new ArrayList<>();
        int keepAlives;
        boolean closed;

        void add(ByteBuffer message) {
            messages.addLast(message);
        }

        @Override
        public ByteBuffer readPending() {
            return messages.pollFirst();
        }

        @Override
        public void confirm(Lsn lsn) {
            confirmed.add(lsn);
        }

        @Override
        public void keepAlive() {
            keepAlives++;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    // pgoutput's layouts, as PostgreSQL's protocol documentation gives them (PgOutputDecoderTest checks each).

    private static ByteBuffer relation() {
        return bytes(out -> {
            out.writeByte('R');
            out.writeInt(1);
            cstring(out, "public");
            cstring(out, "orders");
            out.writeByte('d');
            out.writeShort(1);
            out.writeByte(1);
            cstring(out, "id");
            out.writeInt(20);
            out.writeInt(-1);
        });
    }

    private static ByteBuffer begin(long finalLsn) {
        return bytes(out -> {
            out.writeByte('B');
            out.writeLong(finalLsn);
            out.writeLong(0);
            out.writeInt(1);
        });
    }

    private static ByteBuffer insert(String id) {
        return bytes(out -> {
            out.writeByte('I');
            out.writeInt(1);
            out.writeByte('N');
            out.writeShort(1);
            byte[] value = id.getBytes(StandardCharsets.UTF_8);
            out.writeByte('t');
            out.writeInt(value.length);
            out.write(value);
        });
    }

    private static ByteBuffer commit(long commitLsn, long endLsn) {
        return bytes(out -> {
            out.writeByte('C');
            out.writeByte(0);
            out.writeLong(commitLsn);
            out.writeLong(endLsn);
            out.writeLong(0);
        });
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static ByteBuffer bytes(Writer writer) {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            writer.write(new DataOutputStream(buffer));
            return ByteBuffer.wrap(buffer.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void cstring(DataOutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }
}
