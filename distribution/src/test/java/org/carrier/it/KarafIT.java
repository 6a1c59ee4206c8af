package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Carrier in Apache Karaf (issue 20): a real Karaf 4.4 adds Carrier's features repository with
 * {@code feature:repo-add} and installs {@code carrier-core} and a filter with {@code feature:install}, as a Karaf user
 * would; then one message passes end to end, from an SMTP client through Carrier's queue to a relay sink.
 */
class KarafIT {
    private static final String REPOSITORY = "mvn:org.carrier/carrier-karaf-features/" + System.getProperty("carrier.version",
            "0.1.0-SNAPSHOT") + "/xml/features";

    @Test
    void carrierInstalledAsKarafFeaturesRelaysAMessage() throws Exception {
        Path work = Files.createTempDirectory(Distribution.home().getParent(), "e2e-karaf-");
        int smtpPort = Distribution.freePort();
        try (SmtpSink sink = new SmtpSink(); KarafInstance karaf = new KarafInstance(work)) {
            karaf.configure("org.carrier.smtp.listener-default.cfg",
                    "name = default\nbindAddress = 127.0.0.1\nport = " + smtpPort + "\ntrustedNetworks = 127.0.0.0/8\n");
            karaf.configure("org.carrier.route-relay.cfg",
                    "domains = relay.test\ntransport = smtp\ntls = none\nnextHops = 127.0.0.1:" + sink.port() + "\n");
            karaf.start();

            // -r: no refresh of bundles already running. Carrier brings BouncyCastle, which Karaf's SSH server can use
            // too; a refresh would rewire and restart that server under the very session that asked for the install.
            String installed = karaf.shell("feature:repo-add " + REPOSITORY, "feature:install -r carrier-core",
                    "feature:install -r carrier-filter-size");
            assertTrue(installed.contains("Adding feature url " + REPOSITORY), installed);
            assertFalse(installed.contains("Error executing command"), installed + karaf.log());

            String features = karaf.shell("feature:list -i");
            assertTrue(features.contains("carrier-core"), features);
            assertTrue(features.contains("carrier-filter-size"), features);
            String bundles = karaf.shell("bundle:list -s");
            for (String bundle : List.of("org.carrier.api", "org.carrier.smtp.server", "org.carrier.queue", "org.carrier.router",
                    "org.carrier.delivery.smtp", "org.carrier.filter.size")) {
                assertEquals("Active", state(bundles, bundle), bundle + " in:\n" + bundles);
            }

            assertTrue(Distribution.waitFor(120, () -> Distribution.accepts(smtpPort)),
                    "Carrier's listener did not open in Karaf:\n" + karaf.log());
            String reply = SmtpClient.send(smtpPort, "sender@client.test", List.of("rcpt@relay.test"),
                    SmtpClient.message("through Karaf", 2_000));
            assertTrue(reply.startsWith("250"), reply);
            SmtpSink.Received received = sink.next(60);
            assertNotNull(received, "the message did not reach the relay sink:\n" + karaf.log());
            assertEquals("sender@client.test", received.from());
            assertEquals(List.of("rcpt@relay.test"), received.to());
            assertTrue(received.content().contains("Subject: through Karaf"), received.content());
        }
    }

    /**
     * The Karaf features repository names every feature module of features/ as a feature of its own, with each of the
     * module's Carrier bundles: a module added without its entry in features/karaf/src/main/karaf/features.xml fails here.
     */
    @Test
    void everyFeatureModuleIsAKarafFeatureWithItsBundles() throws Exception {
        Path features = Path.of(System.getProperty("carrier.features.dir", "../features"));
        String version = System.getProperty("carrier.version", "0.1.0-SNAPSHOT");
        Path xml = Path.of(System.getProperty("carrier.karaf.repository", "target/karaf-repository"),
                "org/carrier/carrier-karaf-features", version, "carrier-karaf-features-" + version + "-features.xml");
        String repository = Files.readString(xml);
        List<Path> modules;
        try (var dirs = Files.list(features)) {
            modules = dirs.filter(d -> Files.exists(d.resolve("pom.xml")) && !d.getFileName().toString().equals("karaf"))
                    .sorted().toList();
        }
        assertTrue(modules.size() >= 11, "feature modules: " + modules);
        for (Path module : modules) {
            String name = "carrier-" + module.getFileName();
            Matcher feature = Pattern.compile("(?s)<feature name=\"" + Pattern.quote(name) + "\".*?\n    </feature>").matcher(repository);
            assertTrue(feature.find(), name + " is missing from " + xml);
            Matcher bundle = Pattern.compile("(?m)^\\s+org\\.carrier:([^:\\s]+):jar:")
                    .matcher(Files.readString(module.resolve("target/feature-bundles.txt")));
            while (bundle.find()) {
                assertTrue(feature.group().contains("<bundle>mvn:org.carrier/" + bundle.group(1) + "/" + version + "</bundle>"),
                        name + " lacks " + bundle.group(1) + ":\n" + feature.group());
            }
            assertFalse(feature.group().contains("pax-logging"), "Karaf brings its own logging: " + feature.group());
        }
    }

    /** The state column of {@code bundle:list -s} for one symbolic name. */
    private static String state(String bundleList, String symbolicName) {
        Matcher row = Pattern.compile("(?m)^\\s*\\d+\\s*\\|\\s*(\\w+)\\s*\\|.*\\|\\s*" + Pattern.quote(symbolicName) + "\\s*$")
                .matcher(bundleList);
        return row.find() ? row.group(1) : "missing";
    }
}
