package io.sluice.testkit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** Command-line arguments for a Spring Boot service, where a later {@code --name=value} replaces an earlier one. */
public final class ServiceArgs {

    /** The admin token every service a test starts is given ({@code sluice.security.token}). */
    public static final String TEST_TOKEN = "sluice-test-token";

    /** The {@code Authorization} header value that carries {@link #TEST_TOKEN}. */
    public static final String TEST_AUTHORIZATION = "Bearer " + TEST_TOKEN;

    private ServiceArgs() {}

    /** Spring would join repeated arguments with a comma; here the last one of each name wins. */
    public static String[] merge(String[]... groups) {
        Map<String, String> merged = new LinkedHashMap<>();
        Stream.of(groups).flatMap(Stream::of).forEach(arg -> {
            int equals = arg.indexOf('=');
            merged.put(equals < 0 ? arg : arg.substring(0, equals), arg);
        });
        return merged.values().toArray(String[]::new);
    }
}
