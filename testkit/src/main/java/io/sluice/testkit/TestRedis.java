package io.sluice.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/**
 * The Redis the tests use: {@code SLUICE_TEST_REDIS_URL} ({@code redis://host:port}), else this machine's on
 * 127.0.0.1:6379. A test calls {@link #require} first: it skips (or, where {@link Strictness} is strict, fails) when no
 * Redis answers. Tests keep apart by key prefixes of their own, never by flushing.
 */
public final class TestRedis {

    public static final String URL_VARIABLE = "SLUICE_TEST_REDIS_URL";

    private final URI url;

    private TestRedis(URI url) {
        this.url = url;
    }

    /** The tests' Redis, after checking that it answers. */
    public static TestRedis require() {
        String configured = System.getenv(URL_VARIABLE);
        TestRedis redis = new TestRedis(URI.create(configured != null ? configured : "redis://127.0.0.1:6379"));
        Strictness.require(
                redis.answers(), "Redis at " + redis.url, "apt-get install redis-server, or set " + URL_VARIABLE);
        return redis;
    }

    public String host() {
        return url.getHost();
    }

    public int port() {
        return url.getPort() < 0 ? 6379 : url.getPort();
    }

    /** The URL, for {@code spring.data.redis.url}. */
    public String url() {
        return url.toString();
    }

    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host(), port()), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
