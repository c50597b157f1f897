package io.sluice.common.amqp;

import io.sluice.common.batch.MalformedBatchException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.function.Supplier;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Batch bodies in the LZ4 frame format — what the {@code lz4} command writes, readable in any language — under the
 * content encoding {@value #ENCODING}. A batch's rows repeat their field names and much of their values, so the body
 * shrinks three-fold or more, and the broker (which writes every byte to disk and, for quorum queues, to every
 * replica), the network and the consumers handle less than compressing costs.
 */
final class Lz4Bodies {

    static final String ENCODING = "lz4";

    /**
     * lz4-java's native library where it loads, else its pure-Java code. Its own choice ({@code fastestInstance})
     * tries native only from the system class loader, so inside a Spring Boot jar every service compressed in Java,
     * about twice as slow. Frames are the same either way; decompression is the bounds-checked ("safe") kind in both.
     */
    private static final LZ4Factory LZ4 = fastest(LZ4Factory::nativeInstance, LZ4Factory::fastestJavaInstance);

    private static final XXHashFactory XXHASH =
            fastest(XXHashFactory::nativeInstance, XXHashFactory::fastestJavaInstance);

    private static final int MAGIC = 0x184D2204;
    /** Frame version 1, independent blocks, the content size present. */
    private static final byte FLG = 0x40 | 0x20 | 0x08;
    /** Blocks of at most 256 KiB. */
    private static final byte BD_256_KIB = 5 << 4;

    private static final int BLOCK_BYTES = 256 * 1024;
    /** Magic, FLG, BD, the 8-byte content size and the header checksum. */
    private static final int HEADER_BYTES = 15;

    private Lz4Bodies() {}

    private static <T> T fastest(Supplier<T> nativeCode, Supplier<T> javaCode) {
        try {
            return nativeCode.get();
        } catch (RuntimeException | LinkageError e) { // no library for this platform, or no temp dir to unpack it
            return javaCode.get();
        }
    }

    /** Which LZ4 code compresses here: {@code native} or {@code java}. */
    static String implementation() {
        return LZ4.toString().contains("JNI") ? "native" : "java";
    }

    /**
     * At most the first {@code bytes} of what the body decompresses to: the start of a batch, for a look at it. Decoded
     * by hand from the frame's first block and stopped at the limit: a stream decoder would allocate a block buffer and
     * decompress the whole block, which for the handler's unread relay cost as much as reading the batch.
     */
    static byte[] prefix(byte[] body, int bytes) {
        try {
            int at = frameHeaderEnd(body);
            int blockSize = littleEndianInt(body, at);
            at += 4;
            boolean raw = (blockSize & 0x8000_0000) != 0;
            blockSize &= 0x7FFF_FFFF;
            if (blockSize == 0 || at + blockSize > body.length) {
                return new byte[0];
            }
            if (raw) {
                return java.util.Arrays.copyOfRange(body, at, at + Math.min(blockSize, bytes));
            }
            return decodeStart(body, at, at + blockSize, bytes);
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new MalformedBatchException("unreadable lz4 body: truncated", e);
        }
    }

    /** Where the first block starts, after the magic number, the descriptor and its optional fields. */
    private static int frameHeaderEnd(byte[] body) {
        if (littleEndianInt(body, 0) != MAGIC) {
            throw new MalformedBatchException("unreadable lz4 body: not an LZ4 frame");
        }
        int flags = body[4] & 0xFF;
        if ((flags >>> 6) != 1) {
            throw new MalformedBatchException("unreadable lz4 body: frame version " + (flags >>> 6));
        }
        int at = 6; // magic, FLG, BD
        if ((flags & 0x08) != 0) {
            at += 8; // content size
        }
        if ((flags & 0x01) != 0) {
            at += 4; // dictionary id
        }
        return at + 1; // header checksum
    }

    /** The LZ4 sequences of one block, decoded until {@code limit} bytes are out (or the block ends). */
    private static byte[] decodeStart(byte[] in, int from, int end, int limit) {
        byte[] out = new byte[limit];
        int ip = from;
        int op = 0;
        while (ip < end && op < limit) {
            int token = in[ip++] & 0xFF;
            int literals = token >>> 4;
            if (literals == 15) {
                int b;
                do {
                    b = in[ip++] & 0xFF;
                    literals += b;
                } while (b == 255);
            }
            int copy = Math.min(literals, limit - op);
            if (ip + literals > end) {
                throw new MalformedBatchException("unreadable lz4 body: literals past the block");
            }
            System.arraycopy(in, ip, out, op, copy);
            ip += literals;
            op += copy;
            if (ip >= end || op >= limit) {
                break; // the last sequence has literals only
            }
            int offset = (in[ip] & 0xFF) | (in[ip + 1] & 0xFF) << 8;
            ip += 2;
            int match = token & 15;
            if (match == 15) {
                int b;
                do {
                    b = in[ip++] & 0xFF;
                    match += b;
                } while (b == 255);
            }
            match += 4;
            if (offset == 0 || offset > op) {
                throw new MalformedBatchException("unreadable lz4 body: a match before the start");
            }
            for (int i = 0; i < match && op < limit; i++, op++) {
                out[op] = out[op - offset]; // byte by byte: a match may overlap what it copies
            }
        }
        return op == limit ? out : java.util.Arrays.copyOf(out, op);
    }

    private static int littleEndianInt(byte[] in, int at) {
        return (in[at] & 0xFF) | (in[at + 1] & 0xFF) << 8 | (in[at + 2] & 0xFF) << 16 | (in[at + 3] & 0xFF) << 24;
    }

    private static MalformedBatchException tooLarge(int maxBytes) {
        return new MalformedBatchException("lz4 body decompresses to more than the " + maxBytes
                + " bytes a batch may have here (sluice.amqp.max-decompressed-bytes)");
    }

    /**
     * The body as one LZ4 frame: independent blocks of at most 256 KiB (LZ4 looks back only 64 KiB anyway), the content
     * size in the header, no checksums but the header's (the broker and TCP check the bytes). Written by hand into one
     * array: {@code LZ4FrameOutputStream} allocates two block buffers per frame and zero-fills its 256 KiB buffer after
     * each block, a tenth of the snapshot's CPU. Byte for byte what that stream writes ({@code Lz4BodiesTest}).
     */
    static byte[] compress(byte[] body) {
        LZ4Compressor compressor = LZ4.fastCompressor();
        int capacity = HEADER_BYTES + 4; // and the end mark
        for (int from = 0; from < body.length; from += BLOCK_BYTES) {
            capacity += 4 + compressor.maxCompressedLength(Math.min(BLOCK_BYTES, body.length - from));
        }
        byte[] out = new byte[capacity];
        putInt(out, 0, MAGIC);
        out[4] = FLG;
        out[5] = BD_256_KIB;
        for (int i = 0; i < 8; i++) {
            out[6 + i] = (byte) ((long) body.length >>> (8 * i));
        }
        out[14] = (byte) (XXHASH.hash32().hash(out, 4, 10, 0) >>> 8);
        int at = HEADER_BYTES;
        for (int from = 0; from < body.length; from += BLOCK_BYTES) {
            int length = Math.min(BLOCK_BYTES, body.length - from);
            int compressed = compressor.compress(body, from, length, out, at + 4, out.length - at - 4);
            if (compressed < length) {
                putInt(out, at, compressed);
                at += 4 + compressed;
            } else { // stored as it is, flagged by the size's high bit
                putInt(out, at, length | 0x8000_0000);
                System.arraycopy(body, from, out, at + 4, length);
                at += 4 + length;
            }
        }
        putInt(out, at, 0); // end mark
        return java.util.Arrays.copyOf(out, at + 4);
    }

    private static void putInt(byte[] out, int at, int value) {
        out[at] = (byte) value;
        out[at + 1] = (byte) (value >>> 8);
        out[at + 2] = (byte) (value >>> 16);
        out[at + 3] = (byte) (value >>> 24);
    }

    /** The body decompressed, refused (before the memory is taken) when it would exceed {@code maxBytes}. */
    static byte[] decompress(byte[] body, int maxBytes) {
        try (LZ4FrameInputStream in =
                new LZ4FrameInputStream(new ByteArrayInputStream(body), LZ4.safeDecompressor(), XXHASH.hash32())) {
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
