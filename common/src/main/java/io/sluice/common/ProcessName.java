package io.sluice.common;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This process's name among replicas, {@code <host>/<pid>}: unique among processes, and in Kubernetes (host = pod
 * name, pid 1) the same again after a container restarts in its pod — so a restarted replica can take back its work.
 */
public final class ProcessName {

    private ProcessName() {}

    public static String current() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
        }
        return host + "/" + ProcessHandle.current().pid();
    }
}
