package org.carrier.router.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;

/**
 * The router's own settings, validated: every list by the one rule of {@link ConfigLists}, so a typo such as
 * {@code localDomains = exa mple} is refused with its key instead of quietly becoming other domains.
 *
 * @param ownHostnames the names configured, empty for this host's name
 */
record RouterSettings(List<String> localDomains, Set<String> virtualDomains, Set<String> localUsers, String delimiter,
                      String localTransport, List<String> ownHostnames, Duration dnsWait, Path aliasFile, Path mailboxFile,
                      int tableCheckSeconds) {

    static RouterSettings of(ConfiguredRouter.Config c) {
        String transport = c.localTransport().strip();
        if (transport.isEmpty()) {
            throw new ConfigProblem("localTransport", c.localTransport(), "a transport name is required");
        }
        return new RouterSettings(ConfigLists.domains("localDomains", c.localDomains()),
                Set.copyOf(ConfigLists.domains("virtualDomains", c.virtualDomains())),
                Set.copyOf(ConfigLists.names("localUsers", c.localUsers())), c.recipientDelimiter().strip(), transport,
                ConfigLists.domains("ownHostnames", c.ownHostnames()),
                Duration.ofSeconds(ConfigProblem.atLeast("dnsWaitSeconds", c.dnsWaitSeconds(), 1)),
                path("aliasFile", c.aliasFile()), path("mailboxFile", c.mailboxFile()),
                ConfigProblem.atLeast("tableCheckSeconds", c.tableCheckSeconds(), 1));
    }

    private static Path path(String key, String value) {
        return ConfigProblem.check(key, value, () -> Path.of(value.strip()));
    }
}
