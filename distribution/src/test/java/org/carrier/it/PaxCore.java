package org.carrier.it;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.regex.Pattern;

import org.ops4j.pax.exam.Option;
import org.osgi.service.cm.ConfigurationAdmin;

/** Pax Exam options that boot the distribution's core bundles in Felix: no web console, no shell, no deployed filters. */
final class PaxCore {
    /** Bundles of the shell and web console features (metrics is served on the console's HTTP): not needed to prove the core. */
    private static final Pattern NOT_CORE = Pattern.compile(
            "(org\\.apache\\.felix\\.(gogo|webconsole|http|inventory)|jline|commons-fileupload|encoder|org\\.carrier\\.(admin|metrics)).*");

    private PaxCore() {
    }

    /** The core bundles, a fresh data folder ({@code carrier.data.dir}), JUnit, and {@code more}. */
    static List<Option> options(Option... more) throws IOException {
        Path home = Distribution.home();
        Path data = Files.createTempDirectory(home.getParent(), "pax-data-");
        List<Option> options = new ArrayList<>();
        for (Path jar : Distribution.jars(home.resolve("boot"))) {
            options.add(bundle(jar.toUri().toString()).startLevel(1));
        }
        for (Path jar : Distribution.jars(home.resolve("bundle"))) {
            if (!NOT_CORE.matcher(jar.getFileName().toString()).matches()) {
                options.add(bundle(jar.toUri().toString()));
            }
        }
        options.add(frameworkProperty("carrier.data.dir").value(data.toString()));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        options.add(junitBundles());
        options.add(cleanCaches());
        options.addAll(List.of(more));
        return options;
    }

    /**
     * Creates (or reuses) a listener on a free loopback port and waits until it accepts connections.
     *
     * @param trustedNetworks the clients that may relay (and that filters such as SPF leave alone)
     */
    static int listener(ConfigurationAdmin configAdmin, String name, String trustedNetworks) throws Exception {
        int port = Distribution.freePort();
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("name", name);
        props.put("bindAddress", "127.0.0.1");
        props.put("port", port);
        props.put("trustedNetworks", trustedNetworks);
        configAdmin.getFactoryConfiguration("org.carrier.smtp.listener", name, "?").update(props);
        if (!Distribution.waitFor(30, () -> Distribution.accepts(port))) {
            throw new AssertionError("listener " + name + " never opened port " + port);
        }
        return port;
    }
}
