package io.sluice.common.batch;

import java.util.Locale;

/** Where the rows of a batch came from. */
public enum Origin {
    CDC,
    SNAPSHOT,
    FILE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Origin ofWireName(String name) {
        for (Origin origin : values()) {
            if (origin.wireName().equals(name)) {
                return origin;
            }
        }
        throw new MalformedBatchException("unknown origin '" + name + "' (expected cdc, snapshot or file)");
    }
}
