package io.sluice.common.batch;

import java.util.Objects;

/** A column of a batch: its name, its PostgreSQL type as {@code format_type} prints it, and whether it is part of the key. */
public record Column(String name, String type, boolean key) {

    public Column {
        Objects.requireNonNull(name, "column name");
        Objects.requireNonNull(type, "column type");
    }
}
