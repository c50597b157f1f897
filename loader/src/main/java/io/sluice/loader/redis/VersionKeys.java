package io.sluice.loader.redis;

/**
 * The keys that hold a row key's version ({@code sluice:version:{key}}) and its open gaps ({@code sluice:gaps:{key}}),
 * in the same Redis Cluster hash slot as the row's key (their hash tag is the whole key, or the key's own tag if it has
 * one), so that one script may touch all three. A key with a '{' that opens no tag of its own is hashed apart from
 * them in Redis Cluster: keep braces in key templates to tags.
 */
final class VersionKeys {

    static final String PREFIX = "sluice:version:";
    static final String GAPS_PREFIX = "sluice:gaps:";

    private VersionKeys() {}

    static String of(String key) {
        return tagged(PREFIX, key);
    }

    /** The hash of a row key's open unchanged-TOAST gaps, in the same slot. */
    static String gapsOf(String key) {
        return tagged(GAPS_PREFIX, key);
    }

    private static String tagged(String prefix, String key) {
        return hasHashTag(key) ? prefix + key : prefix + "{" + key + "}";
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
