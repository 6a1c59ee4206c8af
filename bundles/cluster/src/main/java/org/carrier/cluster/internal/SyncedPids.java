package org.carrier.cluster.internal;

import java.util.List;

/**
 * Which configurations are the cluster's: a PID matching one of {@code shared} and none of {@code local}. An entry
 * matches the PID itself and every PID below it ({@code org.carrier.cluster} also matches
 * {@code org.carrier.cluster.sync}; {@code org.carrier.smtp.listener} every listener {@code ~NAME}).
 */
record SyncedPids(List<String> shared, List<String> local) {

    boolean synced(String pid) {
        return shared.stream().anyMatch(p -> matches(p, pid)) && local.stream().noneMatch(p -> matches(p, pid));
    }

    private static boolean matches(String entry, String pid) {
        if (entry.endsWith(".")) {
            return pid.startsWith(entry); // "org.carrier." : a prefix of names
        }
        return pid.equals(entry) || pid.startsWith(entry + ".") || pid.startsWith(entry + "~");
    }
}
