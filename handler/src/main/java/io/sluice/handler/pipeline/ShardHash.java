package io.sluice.handler.pipeline;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Sluice's shard of a key, stable across versions and machines and computable in SQL: the first 4 bytes of the MD5 of
 * the key's values as text (UTF-8, joined by U+001F), read as an unsigned big-endian number, modulo the shard count. In
 * PostgreSQL, for a key {@code (a, b)} over {@code n} shards:
 * {@code ('x' || left(md5(concat_ws(E'\x1f', a::text, b::text)), 8))::bit(32)::bigint % n}.
 */
public final class ShardHash {

    private ShardHash() {}

    /** The shard, {@code 0 .. shards-1}, of a key given as its values' text. */
    public static int of(List<String> keyValues, int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be 1 or more, not " + shards);
        }
        byte[] digest = md5().digest(String.join("\u001f", keyValues).getBytes(StandardCharsets.UTF_8));
        long first = ((digest[0] & 0xFFL) << 24)
                | ((digest[1] & 0xFFL) << 16)
                | ((digest[2] & 0xFFL) << 8)
                | (digest[3] & 0xFFL);
        return (int) (first % shards);
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has MD5", e);
        }
    }
}
