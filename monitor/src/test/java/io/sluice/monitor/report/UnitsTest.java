package io.sluice.monitor.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Values as a person reads them: whole counts, bytes and durations in human units, rates to three figures. */
class UnitsTest {

    @Test
    void countsAreWholeNumbersWithSeparators() {
        assertThat(Units.format(597.946, "rows")).isEqualTo("598 rows");
        assertThat(Units.format(35.72, "rows")).isEqualTo("36 rows");
        assertThat(Units.format(1_234_567.4, "messages")).isEqualTo("1,234,567 messages");
        assertThat(Units.format(0.4, "letters")).isEqualTo("0 letters");
    }

    @Test
    void bytesAndDurationsInHumanUnits() {
        assertThat(Units.format(512, "bytes")).isEqualTo("512 B");
        assertThat(Units.format(1_610_612_736, "bytes")).isEqualTo("1.5 GiB");
        assertThat(Units.format(123_456_789, "bytes")).isEqualTo("118 MiB");
        assertThat(Units.format(0.25, "s")).isEqualTo("250 ms");
        assertThat(Units.format(0.000_42, "s")).isEqualTo("420 µs");
        assertThat(Units.format(42.5, "s")).isEqualTo("42.5 s");
        assertThat(Units.format(150, "s")).isEqualTo("2.5 min");
        assertThat(Units.format(3 * 86_400, "s")).isEqualTo("3 d");
    }

    @Test
    void ratesAndPlainNumbersToThreeFigures() {
        assertThat(Units.format(960.4, "rows/s")).isEqualTo("960 rows/s");
        assertThat(Units.format(181.25, "rows/s")).isEqualTo("181 rows/s");
        assertThat(Units.format(0.0012345, null)).isEqualTo("0.00123");
        assertThat(Units.format(12_345.6, "rows/s")).isEqualTo("12,346 rows/s");
        assertThat(Units.format(Double.NaN, "rows")).isEqualTo("–");
    }

    @Test
    void theCsvKeepsWhatAValueMeans() {
        assertThat(Units.plain(597.946, "rows")).isEqualTo("598");
        assertThat(Units.plain(1_610_612_736.4, "bytes")).isEqualTo("1610612736");
        assertThat(Units.plain(0.123456789, "s")).isEqualTo("0.123457");
        assertThat(Units.plain(Double.NaN, "s")).isEmpty();
    }
}
