package io.sluice.common.batch;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One change: values in PostgreSQL text format ({@code null} is SQL NULL), the version that orders it, the source commit
 * time, and the indexes of unchanged TOAST columns whose value was not sent.
 */
public record Row(Op op, long lsn, long seq, Instant ts, List<String> values, List<Integer> unchanged) {

    public Row {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(values, "values");
        unchanged = unchanged == null ? List.of() : List.copyOf(unchanged);
    }

    public Row(Op op, Version version, Instant ts, List<String> values) {
        this(op, version.lsn(), version.seq(), ts, values, List.of());
    }

    public Version version() {
        return new Version(lsn, seq);
    }

    public boolean isUnchanged(int column) {
        return !unchanged.isEmpty() && unchanged.contains(column);
    }
}
