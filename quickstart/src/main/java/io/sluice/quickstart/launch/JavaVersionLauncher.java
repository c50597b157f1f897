package io.sluice.quickstart.launch;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The quickstart jar's entry point, compiled for Java 17 so that any {@code java} on the path can start it: on Java 21+
 * it runs the quickstart; on an older one it runs the same jar again on the newest JDK 21+ installed in a standard
 * place, or says in one line what to install.
 */
public final class JavaVersionLauncher {

    static final int REQUIRED = 21;
    private static final String QUICKSTART = "io.sluice.quickstart.Quickstart";

    private JavaVersionLauncher() {}

    public static void main(String[] args) throws Exception {
        if (Runtime.version().feature() >= REQUIRED) {
            // By name: the quickstart's classes are Java 21 and must not be linked before this check.
            Class.forName(QUICKSTART).getMethod("main", String[].class).invoke(null, (Object) args);
            return;
        }
        Optional<JdkFinder.Jdk> jdk = JdkFinder.newest(JdkFinder.standardPlaces(), REQUIRED);
        if (jdk.isEmpty()) {
            System.err.println("Sluice needs Java " + REQUIRED + " or newer, and this is Java "
                    + Runtime.version().feature() + " (" + System.getProperty("java.home") + ") with none newer"
                    + " installed: install a JDK " + REQUIRED + "+ (e.g. Adoptium's temurin-21-jdk package, or"
                    + " `sdk install java 21-tem`) or set JAVA_HOME to one");
            System.exit(1);
        }
        System.err.println("Java " + Runtime.version().feature() + " is too old for Sluice; running on "
                + jdk.get().home() + " (Java " + jdk.get().feature() + ")");
        System.exit(relaunch(jdk.get(), args));
    }

    /** This jar with the same JVM options and arguments on {@code jdk}; its exit code. */
    private static int relaunch(JdkFinder.Jdk jdk, String[] args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(jdk.java().toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-jar");
        command.add(System.getProperty("java.class.path"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).inheritIO().start();
        // Ctrl-C reaches both JVMs (one process group); this one waits for the quickstart to finish its cleanup.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        return process.waitFor();
    }
}
