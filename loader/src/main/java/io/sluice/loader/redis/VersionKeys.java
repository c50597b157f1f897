package io.sluice.loader.redis;

/**
 * The key that holds a row key's version: {@code sluice:version:{key}}, in the same Redis Cluster hash slot as the row's
 * key (its hash tag is the whole key, or the key's own tag if it has one), so that one script may touch both. A key
 * with a '{' that opens no tag of its own is hashed apart from its version key in Redis Cluster: keep braces in key
 * templates to tags.
 */
final class VersionKeys {

    static final String PREFIX = "sluice:version:";

    private VersionKeys() {}

    static String of(String key) {
        return hasHashTag(key) ? PREFIX + key : PREFIX + "{" + key + "}";
    }

    /** Whether Redis Cluster would hash the key by a tag of its own: a non-empty {@code {…}} after its first '{'. */
    private static boolean hasHashTag(String key) {
        int open = key.indexOf('{');
        if (open < 0) {
            return false;
        }
        int close = key.indexOf('}', open + 1);
        return close > open + 1;
    }
}
