package org.carrier.admin.internal;

import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.lang.reflect.Array;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigLists;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives configurations created at runtime (for example a route added in the web console) a file in the
 * configuration folder, so they survive a restart and can be read and edited there. FileInstall 3.7
 * writes back only configurations whose file already exists (STACK.md pitfall 2); this fills the gap.
 * <p>
 * Order matters: the configuration first learns its file name, then the file is written, so FileInstall's
 * folder scan finds the configuration it belongs to instead of creating a duplicate.
 */
@Component(configurationPid = ConfigurationFileWriter.PID)
@Designate(ocd = ConfigurationFileWriter.Config.class)
public class ConfigurationFileWriter implements ConfigurationListener {
    static final String PID = "org.carrier.admin.files";
    private static final Logger LOG = LoggerFactory.getLogger(ConfigurationFileWriter.class);
    private static final Set<String> NOT_WRITTEN = Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION, FileInstallFilenameKeeper.FILENAME);

    @ObjectClassDefinition(name = "Carrier configuration files",
            description = "Which configurations created at runtime get a file in the configuration folder.")
    public @interface Config {
        @AttributeDefinition(name = "PID prefixes", description = "Separated by commas; configurations whose PID starts with one are written. "
                + "Empty: every configuration.")
        String[] pidPrefixes() default {"org.carrier."};
    }

    private final ConfigurationAdmin configAdmin;
    private final BundleContext context;
    private volatile List<String> prefixes;
    private final ConfigGuard<Config, List<String>> configuration =
            new ConfigGuard<>(Config.class, "the configuration file writer", LOG::error);

    @Activate
    public ConfigurationFileWriter(@Reference ConfigurationAdmin configAdmin, BundleContext context, Config config,
                                   Map<String, Object> properties) {
        this.configAdmin = configAdmin;
        this.context = context;
        modified(config, properties);
        giveFilesToThoseWithout();
    }

    /** A prefix with white space inside is refused in one line naming file, key and value; the prefixes in force stay. */
    @Modified
    void modified(Config config, Map<String, Object> properties) {
        prefixes = configuration.apply(config, properties, c -> {
            List<String> listed = ConfigLists.names("pidPrefixes", c.pidPrefixes());
            return listed.isEmpty() ? List.of("") : listed; // "" starts every PID
        });
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() == ConfigurationEvent.CM_UPDATED && owned(event.getPid())) {
            giveFile(event.getPid(), event.getFactoryPid());
        }
    }

    /**
     * Configurations created while this component was not running get their file now: the administration starts
     * after the mail bundles (carrier.startlevel.admin), and a cluster node takes the cluster's new configurations
     * before then.
     */
    private void giveFilesToThoseWithout() {
        try {
            Configuration[] all = configAdmin.listConfigurations(null);
            for (Configuration c : all == null ? new Configuration[0] : all) {
                if (owned(c.getPid())) {
                    giveFile(c.getPid(), c.getFactoryPid());
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.error("cannot list the configurations to give them files: {}", e.toString());
        }
    }

    private void giveFile(String pid, String factoryPid) {
        try {
            Configuration configuration = find(pid);
            if (configuration == null) {
                return;
            }
            Dictionary<String, Object> props = configuration.getProperties();
            if (props == null || props.get(FileInstallFilenameKeeper.FILENAME) != null) {
                return;
            }
            Path directory = configDirectory();
            if (directory == null) {
                LOG.warn("configuration {} has no file and no configuration folder is known; it is kept by ConfigAdmin only", pid);
                return;
            }
            Path file = uniqueFile(directory, fileName(factoryPid, pid, props.get("name")));
            props.put(FileInstallFilenameKeeper.FILENAME, file.toFile().getAbsoluteFile().toURI().toString());
            configuration.update(props);
            write(file, props);
            LOG.info("configuration {} written to {}", pid, file);
        } catch (IOException | InvalidSyntaxException e) {
            LOG.error("cannot write configuration {} to the configuration folder: {}", pid, e.toString());
        }
    }

    private boolean owned(String pid) {
        for (String prefix : prefixes) {
            if (!prefix.isEmpty() && pid.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private Configuration find(String pid) throws IOException, InvalidSyntaxException {
        Configuration[] found = configAdmin.listConfigurations("(" + Constants.SERVICE_PID + "=" + pid + ")");
        return found == null ? null : found[0];
    }

    /** The folder FileInstall watches for configurations: where the existing configuration files are. */
    private Path configDirectory() throws IOException, InvalidSyntaxException {
        Configuration[] withFiles = configAdmin.listConfigurations("(" + FileInstallFilenameKeeper.FILENAME + "=*)");
        if (withFiles != null) {
            for (Configuration c : withFiles) {
                Object name = c.getProperties() == null ? null : c.getProperties().get(FileInstallFilenameKeeper.FILENAME);
                if (name != null && name.toString().startsWith("file:")) {
                    return new File(URI.create(name.toString())).toPath().getParent();
                }
            }
        }
        String dir = context.getProperty("felix.fileinstall.dir");
        return dir == null ? null : new File(dir).getAbsoluteFile().toPath();
    }

    /**
     * {@code pid.cfg} for a singleton; {@code factoryPid-name.cfg} for a factory configuration (FileInstall's
     * naming), with the configuration's {@code name} property as the name when it has a usable one.
     */
    static String fileName(String factoryPid, String pid, Object nameProperty) {
        if (factoryPid == null) {
            return pid + ".cfg";
        }
        String name = nameProperty == null ? "" : sanitize(nameProperty.toString());
        if (name.isEmpty()) {
            String suffix = pid.substring(Math.min(pid.length(), factoryPid.length() + 1));
            name = sanitize(suffix);
        }
        return factoryPid + "-" + (name.isEmpty() ? "new" : name) + ".cfg";
    }

    private static String sanitize(String text) {
        return text.trim().replaceAll("[^A-Za-z0-9_.]+", "_").replaceAll("^[._]+|[._]+$", "");
    }

    private static Path uniqueFile(Path directory, String name) {
        Path file = directory.resolve(name);
        String stem = name.substring(0, name.length() - ".cfg".length());
        for (int i = 2; Files.exists(file); i++) {
            file = directory.resolve(stem + "_" + i + ".cfg");
        }
        return file;
    }

    static void write(Path file, Dictionary<String, Object> props) throws IOException {
        Properties out = new Properties();
        for (String key : Collections.list(props.keys())) {
            if (!NOT_WRITTEN.contains(key)) {
                out.setProperty(key, text(props.get(key)));
            }
        }
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.ISO_8859_1)) {
            out.store(writer, "Written by Carrier when this configuration was created at runtime");
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String text(Object value) {
        if (value != null && value.getClass().isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Array.getLength(value); i++) {
                sb.append(i == 0 ? "" : ", ").append(Array.get(value, i));
            }
            return sb.toString();
        }
        return String.valueOf(value);
    }
}
