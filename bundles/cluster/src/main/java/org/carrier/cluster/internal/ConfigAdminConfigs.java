package org.carrier.cluster.internal;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The configurations in ConfigAdmin. A change from another node is applied with the configuration's own file name
 * kept, so FileInstall writes it to this node's file in config/; a configuration new here gets its file from the
 * admin bundle's ConfigurationFileWriter, as one created in the console does.
 */
final class ConfigAdminConfigs implements LocalConfigs {
    static final String FILENAME = "felix.fileinstall.filename";

    private final ConfigurationAdmin configAdmin;

    ConfigAdminConfigs(ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    /** Keys that belong to this node or to ConfigAdmin itself, never shared. */
    static boolean nodeOwn(String key) {
        return key.startsWith("service.") || key.startsWith("felix.fileinstall.") || key.startsWith(":");
    }

    @Override
    public Set<String> pids() throws IOException {
        Set<String> pids = new HashSet<>();
        for (Configuration c : list(null)) {
            pids.add(c.getPid());
        }
        return pids;
    }

    @Override
    public Map<String, Object> properties(String pid) throws IOException {
        Configuration c = find(pid);
        Dictionary<String, Object> props = c == null ? null : c.getProperties();
        if (props == null) {
            return null;
        }
        Map<String, Object> shared = new HashMap<>();
        for (String key : Collections.list(props.keys())) {
            if (!nodeOwn(key)) {
                shared.put(key, props.get(key));
            }
        }
        return shared;
    }

    @Override
    public String factoryPid(String pid) throws IOException {
        Configuration c = find(pid);
        return c == null ? null : c.getFactoryPid();
    }

    @Override
    public void apply(ConfigChange change) throws IOException {
        Configuration existing = find(change.pid());
        if (change.deleted()) {
            if (existing != null) {
                Object file = existing.getProperties() == null ? null : existing.getProperties().get(FILENAME);
                existing.delete();
                // Without its file, FileInstall would bring the configuration back at its next scan.
                if (file != null && file.toString().startsWith("file:")) {
                    Files.deleteIfExists(new File(URI.create(file.toString())).toPath());
                }
            }
            return;
        }
        Configuration target = existing != null ? existing : create(change);
        Dictionary<String, Object> props = new Hashtable<>(change.properties());
        Dictionary<String, Object> current = target.getProperties();
        if (current != null && current.get(FILENAME) != null) {
            props.put(FILENAME, current.get(FILENAME));
        }
        target.updateIfDifferent(props);
    }

    /** A factory configuration gets the same PID as on the node it came from: {@code factoryPid~name} (OSGi R7). */
    private Configuration create(ConfigChange change) throws IOException {
        String factory = change.factoryPid();
        if (factory == null) {
            return configAdmin.getConfiguration(change.pid(), "?");
        }
        String prefix = factory + "~";
        if (!change.pid().startsWith(prefix) || change.pid().length() == prefix.length()) {
            throw new IOException("not a named factory configuration (" + prefix + "NAME), so another node cannot create it");
        }
        return configAdmin.getFactoryConfiguration(factory, change.pid().substring(prefix.length()), "?");
    }

    private Configuration find(String pid) throws IOException {
        Configuration[] found = list("(" + Constants.SERVICE_PID + "=" + escape(pid) + ")");
        return found.length == 0 ? null : found[0];
    }

    private Configuration[] list(String filter) throws IOException {
        try {
            Configuration[] found = configAdmin.listConfigurations(filter);
            return found == null ? new Configuration[0] : found;
        } catch (InvalidSyntaxException e) {
            throw new IOException("cannot look up configuration " + filter, e);
        }
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
    }
}
