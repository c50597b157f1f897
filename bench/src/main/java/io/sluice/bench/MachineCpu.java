package io.sluice.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * CPU seconds of the processes a pipeline run uses, by who they work for — each service, each PostgreSQL cluster's
 * walsenders, apply workers and other processes, the broker — read from Linux's {@code /proc}, so that a run shows where
 * the machine's cores went and not only what Sluice's own JVMs spent. Empty where there is no {@code /proc}.
 */
final class MachineCpu {

    private static final Path PROC = Path.of("/proc");
    /** What {@code /proc/<pid>/stat} counts in: USER_HZ, 100 on every Linux this runs on. */
    private static final double TICKS_PER_SECOND = 100.0;

    private static final Pattern PORT = Pattern.compile("\\s-p\\s+(\\d+)");

    /** The whole machine's busy CPU seconds (every process and the kernel), a key of {@link #sample()}. */
    static final String BUSY = "whole machine: busy (all processes, kernel)";
    /** The whole machine's idle CPU seconds (waiting for I/O included), a key of {@link #sample()}. */
    static final String IDLE = "whole machine: idle";

    private record Process(long pid, long parent, String command, double seconds) {}

    private final Map<Long, String> services;
    private final Map<Integer, String> clusters;

    /**
     * @param services pid → name of the pipeline's service processes
     * @param clusters port → name of the PostgreSQL clusters to account for
     */
    MachineCpu(Map<Long, String> services, Map<Integer, String> clusters) {
        this.services = Map.copyOf(services);
        this.clusters = Map.copyOf(clusters);
    }

    /** CPU seconds so far per part; a process that ended since the last sample takes its seconds with it. */
    Map<String, Double> sample() {
        Map<Long, Process> processes = processes();
        Map<String, Double> seconds = new TreeMap<>();
        for (Process process : processes.values()) {
            String part = part(process, processes);
            if (part != null) {
                seconds.merge(part, process.seconds(), Double::sum);
            }
        }
        machine(seconds);
        return seconds;
    }

    /** Adds the machine's busy and idle seconds from {@code /proc/stat}: what no process is charged for shows there. */
    private static void machine(Map<String, Double> seconds) {
        try {
            // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user time)
            String[] cpu =
                    Files.readAllLines(PROC.resolve("stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int field : new int[] {1, 2, 3, 6, 7, 8}) {
                busy += Long.parseLong(cpu[field]);
            }
            seconds.put(BUSY, busy / TICKS_PER_SECOND);
            seconds.put(IDLE, (Long.parseLong(cpu[4]) + Long.parseLong(cpu[5])) / TICKS_PER_SECOND);
        } catch (IOException | RuntimeException noProcStat) {
            // not Linux: the table shows the processes only
        }
    }

    /** What each part spent between two samples. */
    static Map<String, Double> between(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> spent = new TreeMap<>();
        after.forEach((part, seconds) -> spent.put(part, Math.max(0, seconds - before.getOrDefault(part, 0.0))));
        return spent;
    }

    private String part(Process process, Map<Long, Process> processes) {
        String service = services.get(process.pid());
        if (service != null) {
            return service;
        }
        if (process.command().contains("beam.smp")) {
            return "broker (RabbitMQ)";
        }
        if (!process.command().startsWith("postgres")) {
            return null;
        }
        String cluster = cluster(process, processes);
        if (cluster == null) {
            return null;
        }
        if (process.command().contains("walsender")) {
            return cluster + " walsenders";
        }
        if (process.command().contains("logical replication")) {
            return cluster + " apply worker";
        }
        return cluster + " other processes";
    }

    /** The cluster a PostgreSQL process belongs to, known by its postmaster's port. */
    private String cluster(Process process, Map<Long, Process> processes) {
        for (Process p = process; p != null; p = processes.get(p.parent())) {
            Matcher port = PORT.matcher(p.command());
            if (port.find()) {
                return clusters.get(Integer.parseInt(port.group(1)));
            }
        }
        return null;
    }

    private static Map<Long, Process> processes() {
        Map<Long, Process> processes = new HashMap<>();
        if (!Files.isDirectory(PROC)) {
            return processes;
        }
        try (Stream<Path> entries = Files.list(PROC)) {
            entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .forEach(p -> read(p).ifPresent(process -> processes.put(process.pid(), process)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + PROC, e);
        }
        return processes;
    }

    private static Optional<Process> read(Path dir) {
        try {
            String stat = Files.readString(dir.resolve("stat"));
            // After "pid (command) ": state, ppid, … utime and stime are fields 14 and 15 (1-based) of the whole line.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            String command =
                    new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
            double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
            return Optional.of(new Process(
                    Long.parseLong(dir.getFileName().toString()), Long.parseLong(fields[1]), command, seconds));
        } catch (IOException | RuntimeException gone) {
            return Optional.empty(); // the process ended while being read
        }
    }
}
