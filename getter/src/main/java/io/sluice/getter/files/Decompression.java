package io.sluice.getter.files;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Reads a file's content, decompressing by the file's extension: {@code .gz}, {@code .zst}/{@code .zstd}. */
final class Decompression {

    private Decompression() {}

    static InputStream wrap(InputStream raw, String name) throws IOException {
        return wrap(raw, name, Long.MAX_VALUE);
    }

    /** The content, failing once a compressed file has decompressed to more than {@code maxBytes}. */
    static InputStream wrap(InputStream raw, String name, long maxBytes) throws IOException {
        InputStream buffered = new BufferedInputStream(raw, 1 << 16);
        if (name.endsWith(".gz")) {
            return InputLimits.bounded(new GZIPInputStream(buffered, 1 << 16), maxBytes);
        }
        if (name.endsWith(".zst") || name.endsWith(".zstd")) {
            return new BufferedInputStream(InputLimits.bounded(new ZstdInputStream(buffered), maxBytes), 1 << 16);
        }
        return buffered;
    }

    /** The name without its compression extension, e.g. {@code orders.jsonl} for {@code orders.jsonl.gz}. */
    static String uncompressedName(String name) {
        return name.replaceFirst("\\.(gz|zst|zstd)$", "");
    }
}
