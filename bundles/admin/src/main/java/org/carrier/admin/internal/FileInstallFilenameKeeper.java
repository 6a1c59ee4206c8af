package org.carrier.admin.internal;

import java.io.IOException;
import java.util.Collection;
import java.util.Dictionary;

import org.apache.felix.webconsole.spi.ConfigurationHandler;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Keeps web console saves written back to the configuration folder (STACK.md pitfall 1): a save
 * rebuilds the configuration from the form and drops FileInstall's {@code felix.fileinstall.filename},
 * after which FileInstall stops writing the file. This handler hides that property from the form and
 * puts it back on every update.
 */
@Component(service = ConfigurationHandler.class)
public class FileInstallFilenameKeeper implements ConfigurationHandler {
    static final String FILENAME = "felix.fileinstall.filename";

    private final ConfigurationAdmin configAdmin;

    @Activate
    public FileInstallFilenameKeeper(@Reference ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    @Override
    public void filterProperties(String factoryPid, String pid, Collection<String> propertyNames) {
        propertyNames.remove(FILENAME);
    }

    @Override
    public void updateConfiguration(String factoryPid, String pid, Dictionary<String, Object> props) throws IOException {
        if (pid == null || props.get(FILENAME) != null) {
            return;
        }
        Configuration[] existing;
        try {
            existing = configAdmin.listConfigurations("(service.pid=" + escape(pid) + ")");
        } catch (InvalidSyntaxException e) {
            throw new IOException("cannot look up configuration " + pid, e);
        }
        if (existing == null || existing[0].getProperties() == null) {
            return;
        }
        Object filename = existing[0].getProperties().get(FILENAME);
        if (filename != null) {
            props.put(FILENAME, filename);
        }
    }

    @Override
    public void createConfiguration(String pid) {
        // nothing to add
    }

    @Override
    public void createFactoryConfiguration(String factoryPid, String name) {
        // nothing to add: ConfigurationFileWriter gives new configurations their file
    }

    @Override
    public void deleteConfiguration(String factoryPid, String pid) {
        // FileInstall deletes the file of a deleted configuration itself
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
    }

}
