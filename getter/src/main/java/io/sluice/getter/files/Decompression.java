package io.sluice.getter.files;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens a file as a stream of its content, decompressing by extension: {@code .gz}, {@code .zst}/{@code .zstd}. */
final class Decompression {

    private Decompression() {}

    static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        String name = file.getFileName().toString();
        if (name.endsWith(".gz")) {
            return new GZIPInputStream(raw, 1 << 16);
        }
        if (name.endsWith(".zst") || name.endsWith(".zstd")) {
            return new ZstdInputStream(raw);
        }
        return raw;
    }
}
