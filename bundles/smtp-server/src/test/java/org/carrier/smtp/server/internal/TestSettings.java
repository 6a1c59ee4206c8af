package org.carrier.smtp.server.internal;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

import org.osgi.service.cm.ConfigurationException;

/** Listener settings for tests, made the way ConfigAdmin makes them: the Metatype defaults with some values changed. */
final class TestSettings {
    static final String HOSTNAME = "mx.carrier.test";

    private TestSettings() {
    }

    /** Loopback, an ephemeral port, a fixed host name, short timeouts; then {@code changes} (attribute name, value pairs). */
    static ListenerSettings of(Object... changes) {
        Map<String, Object> values = new HashMap<>(Map.of("name", "test", "bindAddress", "127.0.0.1", "port", 0,
                "hostname", HOSTNAME, "commandTimeoutSeconds", 5, "dataTimeoutSeconds", 5, "usersFile", "",
                "senderLoginsFile", ""));
        for (int i = 0; i < changes.length; i += 2) {
            values.put((String) changes[i], changes[i + 1]);
        }
        ListenerComponent.Config config = (ListenerComponent.Config) Proxy.newProxyInstance(TestSettings.class.getClassLoader(),
                new Class<?>[] {ListenerComponent.Config.class},
                (proxy, method, args) -> values.containsKey(method.getName()) ? values.get(method.getName()) : method.getDefaultValue());
        try {
            return ListenerComponent.settings(config);
        } catch (ConfigurationException e) {
            throw new IllegalArgumentException(e.getProperty() + ": " + e.getReason(), e);
        }
    }
}
