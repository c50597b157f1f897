package io.sluice.monitor.report;

import java.util.Locale;
import java.util.Set;

/**
 * Values as a person reads them, by the panel's unit. Counts are whole numbers with thousands separators, bytes are in
 * KiB/MiB/GiB, durations (unit {@code s}) are in µs/ms/s/min/h/d, and rates get three significant figures.
 * {@link #SCRIPT} is the same rule in JavaScript, for the charts' axes.
 */
final class Units {

    /** Units whose values are counts of things: never fractional in a report. */
    static final Set<String> COUNTS =
            Set.of("rows", "messages", "keys", "letters", "runs", "files", "connections", "consumers");

    private static final String[] BYTES = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private Units() {}

    static String format(double value, String unit) {
        if (!Double.isFinite(value)) {
            return Double.isNaN(value) ? "–" : value > 0 ? "∞" : "-∞";
        }
        String u = unit == null ? "" : unit;
        if (u.equals("bytes")) {
            return bytes(value);
        }
        if (u.equals("s")) {
            return duration(value);
        }
        String number = COUNTS.contains(u) ? String.format(Locale.ROOT, "%,d", Math.round(value)) : number(value);
        return u.isEmpty() ? number : number + " " + u;
    }

    /** A value rounded to what it means, without units: for the CSV. */
    static String plain(double value, String unit) {
        if (!Double.isFinite(value)) {
            return Double.isNaN(value) ? "" : value > 0 ? "Infinity" : "-Infinity";
        }
        if (COUNTS.contains(unit == null ? "" : unit) || "bytes".equals(unit)) {
            return Long.toString(Math.round(value));
        }
        return new java.math.BigDecimal(value)
                .round(new java.math.MathContext(6))
                .stripTrailingZeros()
                .toPlainString();
    }

    private static String number(double value) {
        double magnitude = Math.abs(value);
        if (magnitude >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (magnitude == 0) {
            return "0";
        }
        // three significant figures, and no trailing zeros
        int decimals = Math.max(0, 2 - (int) Math.floor(Math.log10(magnitude)));
        String fixed = String.format(Locale.ROOT, "%." + decimals + "f", value);
        return fixed.contains(".") ? fixed.replaceFirst("0+$", "").replaceFirst("\\.$", "") : fixed;
    }

    private static String bytes(double value) {
        double v = value;
        int i = 0;
        while (Math.abs(v) >= 1024 && i < BYTES.length - 1) {
            v /= 1024;
            i++;
        }
        return (i == 0 ? String.format(Locale.ROOT, "%.0f", v) : number(v)) + " " + BYTES[i];
    }

    private static String duration(double seconds) {
        double s = Math.abs(seconds);
        if (s == 0) {
            return "0 s";
        }
        if (s < 0.001) {
            return number(seconds * 1e6) + " µs";
        }
        if (s < 1) {
            return number(seconds * 1000) + " ms";
        }
        if (s < 120) {
            return number(seconds) + " s";
        }
        if (s < 7200) {
            return number(seconds / 60) + " min";
        }
        if (s < 172_800) {
            return number(seconds / 3600) + " h";
        }
        return number(seconds / 86_400) + " d";
    }

    /** {@code fmt(value, unit)} in JavaScript, the same rules, for the charts' axis ticks. */
    static final String SCRIPT =
            """
            function sluiceNumber(v) {
              var m = Math.abs(v);
              if (m >= 1000) return Math.round(v).toLocaleString('en');
              if (m === 0) return '0';
              var d = Math.max(0, 2 - Math.floor(Math.log10(m)));
              return String(parseFloat(v.toFixed(d)));
            }
            function sluiceFormat(v, unit) {
              if (v == null || !isFinite(v)) return '';
              if (unit === 'bytes') {
                var names = ['B','KiB','MiB','GiB','TiB','PiB'], i = 0;
                while (Math.abs(v) >= 1024 && i < names.length - 1) { v /= 1024; i++; }
                return (i === 0 ? Math.round(v) : sluiceNumber(v)) + ' ' + names[i];
              }
              if (unit === 's') {
                var s = Math.abs(v);
                if (s === 0) return '0 s';
                if (s < 0.001) return sluiceNumber(v * 1e6) + ' µs';
                if (s < 1) return sluiceNumber(v * 1000) + ' ms';
                if (s < 120) return sluiceNumber(v) + ' s';
                if (s < 7200) return sluiceNumber(v / 60) + ' min';
                if (s < 172800) return sluiceNumber(v / 3600) + ' h';
                return sluiceNumber(v / 86400) + ' d';
              }
              if (COUNTS.indexOf(unit) >= 0) return Math.round(v).toLocaleString('en');
              return sluiceNumber(v);
            }
            """.replace("COUNTS", "['rows','messages','keys','letters','runs','files','connections','consumers']");
}
