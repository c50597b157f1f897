package io.sluice.common.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

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
}
