package io.sluice.common.amqp;

import io.sluice.common.batch.MalformedBatchException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.lz4.LZ4FrameOutputStream.BLOCKSIZE;
import net.jpountz.lz4.LZ4FrameOutputStream.FLG;

/**
 * Batch bodies in the LZ4 frame format — what the {@code lz4} command writes, readable in any language — under the
 * content encoding {@value #ENCODING}. A batch's rows repeat their field names and much of their values, so the body
 * shrinks three-fold or more, and the broker (which writes every byte to disk and, for quorum queues, to every
 * replica), the network and the consumers handle less than compressing costs.
 */
final class Lz4Bodies {

    static final String ENCODING = "lz4";

    private Lz4Bodies() {}

    /** At most the first {@code bytes} of what the body decompresses to: the start of a batch, for a look at it. */
    static byte[] prefix(byte[] body, int bytes) {
        try (LZ4FrameInputStream in = new LZ4FrameInputStream(new ByteArrayInputStream(body))) {
            return in.readNBytes(bytes);
        } catch (IOException | RuntimeException e) {
            throw new MalformedBatchException("unreadable lz4 body: " + e.getMessage(), e);
        }
    }

    private static MalformedBatchException tooLarge(int maxBytes) {
        return new MalformedBatchException("lz4 body decompresses to more than the " + maxBytes
                + " bytes a batch may have here (sluice.amqp.max-decompressed-bytes)");
    }

    static byte[] compress(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 2 + 64);
        // Blocks of 256 KiB: LZ4 looks back only 64 KiB anyway, and larger blocks cost larger buffers per message.
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(
                out, BLOCKSIZE.SIZE_256KB, body.length, FLG.Bits.BLOCK_INDEPENDENCE, FLG.Bits.CONTENT_SIZE)) {
            lz4.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException("compressing into memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /** The body decompressed, refused (before the memory is taken) when it would exceed {@code maxBytes}. */
    static byte[] decompress(byte[] body, int maxBytes) {
        try (LZ4FrameInputStream in = new LZ4FrameInputStream(new ByteArrayInputStream(body))) {
            if (in.isExpectedContentSizeDefined() && in.getExpectedContentSize() > maxBytes) {
                throw tooLarge(maxBytes); // refused on the header's word, before any memory is taken
            }
            byte[] out;
            if (in.isExpectedContentSizeDefined()) {
                out = new byte[(int) in.getExpectedContentSize()]; // read in place, not gathered in chunks and copied
                if (in.readNBytes(out, 0, out.length) != out.length) {
                    throw new MalformedBatchException("lz4 body ends before the size its header gives");
                }
            } else {
                out = in.readNBytes(maxBytes); // grows as it reads
            }
            if (in.read() != -1) {
                throw tooLarge(maxBytes);
            }
            return out;
        } catch (IOException | RuntimeException e) {
            if (e instanceof MalformedBatchException malformed) {
                throw malformed;
            }
            throw new MalformedBatchException("unreadable lz4 body: " + e.getMessage(), e);
        }
    }
}
