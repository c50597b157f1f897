package io.sluice.pgtask.partitions;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;

/** The width of a time partition, in UTC: where a period starts, where the next begins, and its name's suffix. */
public enum PartitionInterval {
    HOURLY("yyyyMMddHH"),
    DAILY("yyyyMMdd"),
    WEEKLY("yyyyMMdd"),
    MONTHLY("yyyyMM");

    private final DateTimeFormatter suffix;

    PartitionInterval(String pattern) {
        this.suffix = DateTimeFormatter.ofPattern(pattern).withZone(ZoneOffset.UTC);
    }

    /** The start of the period holding {@code time}. */
    public Instant floor(Instant time) {
        ZonedDateTime t = time.atZone(ZoneOffset.UTC);
        return switch (this) {
            case HOURLY -> t.truncatedTo(ChronoUnit.HOURS).toInstant();
            case DAILY -> t.truncatedTo(ChronoUnit.DAYS).toInstant();
            case WEEKLY ->
                t.truncatedTo(ChronoUnit.DAYS)
                        .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
                        .toInstant();
            case MONTHLY -> t.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1).toInstant();
        };
    }

    /** The start of the period after the one starting at {@code start}. */
    public Instant next(Instant start) {
        ZonedDateTime t = start.atZone(ZoneOffset.UTC);
        return switch (this) {
            case HOURLY -> t.plusHours(1).toInstant();
            case DAILY -> t.plusDays(1).toInstant();
            case WEEKLY -> t.plusWeeks(1).toInstant();
            case MONTHLY -> t.plusMonths(1).toInstant();
        };
    }

    /** The partition name's suffix for the period starting at {@code start}, e.g. {@code 20261130}. */
    public String suffix(Instant start) {
        return suffix.format(start);
    }
}
