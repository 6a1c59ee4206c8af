package org.carrier.cluster.internal;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/** This node's configurations as the sync sees them: ConfigAdmin in Carrier, a map in the sync's tests. */
interface LocalConfigs {

    /** Every configuration's PID. */
    Set<String> pids() throws IOException;

    /** The properties a node shares (no PID, factory PID, location or file name), or {@code null} if there is none. */
    Map<String, Object> properties(String pid) throws IOException;

    /** The factory PID of an existing configuration, {@code null} for a singleton or none. */
    String factoryPid(String pid) throws IOException;

    /** Creates, changes or deletes the configuration as {@code change} says; its file follows (FileInstall). */
    void apply(ConfigChange change) throws IOException;
}
