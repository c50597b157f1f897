package io.sluice.common.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FrameOutputStream;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LZ4 bodies: the native code where lz4-java ships it, and frames any LZ4 reader takes back. */
class Lz4BodiesTest {

    @Test
    @EnabledOnOs(
            value = OS.LINUX,
            architectures = {"amd64", "aarch64"})
    void theNativeLibraryCompressesWhereItShips() {
        assertThat(Lz4Bodies.implementation()).isEqualTo("native");
    }

    @Test
    void aBodyComesBackAsItWas() {
        byte[] body = "{\"rows\":[1,2,3]}".repeat(10_000).getBytes(StandardCharsets.UTF_8);

        byte[] compressed = Lz4Bodies.compress(body);

        assertThat(compressed.length).isLessThan(body.length / 10);
        assertThat(Lz4Bodies.decompress(compressed, body.length)).isEqualTo(body);
    }

    /**
     * The hand-written frame is what lz4-java's own frame stream writes, for an empty body, one block, a block's exact
     * size, a byte past it, and blocks that do not compress (stored raw), and it reads back through the stream.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 1000, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 3 * 256 * 1024 + 17})
    void framesAreWhatLz4JavasFrameStreamWrites(int size) throws IOException {
        Random random = new Random(size);
        byte[] body = new byte[size];
        for (int i = 0; i < size; i++) { // half text that compresses, half noise that does not
            body[i] = (i / 4096) % 2 == 0 ? (byte) ('a' + i % 7) : (byte) random.nextInt();
        }
        byte[] noise = new byte[size];
        random.nextBytes(noise);

        for (byte[] input : List.of(body, noise)) {
            byte[] ours = Lz4Bodies.compress(input);
            assertThat(ours).isEqualTo(library(input));
            assertThat(Lz4Bodies.decompress(ours, Math.max(1, size))).isEqualTo(input);
        }
    }

    private static byte[] library(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream lz4 = new LZ4FrameOutputStream(
                out,
                LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB,
                body.length,
                LZ4Factory.fastestInstance().fastCompressor(),
                XXHashFactory.fastestInstance().hash32(),
                LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE)) {
            lz4.write(body);
        }
        return out.toByteArray();
    }
}
