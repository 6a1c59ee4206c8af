package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A bad value in a configuration file of the running Carrier is one log line naming the file, the key and the value,
 * with no stack trace, and the settings in force stay (issue 22 item 10, issue 23 item 12). Also: the shipped
 * size limit is the listener's, and an alias whose target is no user is refused at RCPT and named in the log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigErrorsIT {
    private static final String HOSTNAME = "mx1.config.test";
    private RunningCarrier carrier;
    private SmtpSink refusing;
    private Path work;

    @BeforeAll
    void start() throws Exception {
        work = Files.createTempDirectory(Distribution.home().getParent(), "e2e-config-");
        carrier = new RunningCarrier(work);
        Path felix = carrier.home.resolve("conf/felix.properties");
        write(felix, Files.readString(felix, StandardCharsets.ISO_8859_1).replace("#carrier.hostname=mx1.example.org", "carrier.hostname=" + HOSTNAME));
        refusing = SmtpSink.refusing("bob@refused.test");
        carrier.configure("org.carrier.route-refused.cfg", "domains = refused.test\ntransport = smtp\ntls = none\nnextHops = 127.0.0.1:"
                + refusing.port() + "\n");
        carrier.start();
        carrier.awaitLog("route table:");
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, refusing);
    }

    /** carrier.hostname is the one name: greeting, EHLO, Received, and the DSN's Reporting-MTA and Message-ID. */
    @Order(0)
    @Test
    void oneHostNameEverywhere() throws Exception {
        try (SmtpClient c = new SmtpClient("127.0.0.1", carrier.smtpPort)) {
            assertTrue(c.reply().startsWith("220 " + HOSTNAME + " "), "the greeting");
            assertTrue(c.command("EHLO client.test").startsWith("250-" + HOSTNAME), "the EHLO reply");
        }
        assertTrue(SmtpClient.send(carrier.smtpPort, "alice@localhost", List.of("bob@refused.test"), SmtpClient.message("dsn", 100))
                .startsWith("250"));
        assertTrue(Distribution.waitFor(30, () -> Distribution.newMail(carrier.maildir("alice")).size() == 1), carrier.console());
        String dsn = Files.readString(Distribution.newMail(carrier.maildir("alice")).get(0), StandardCharsets.UTF_8);
        assertTrue(dsn.contains("Reporting-MTA: dns; " + HOSTNAME), dsn);
        assertTrue(Pattern.compile("Message-ID: <[^>]+@" + Pattern.quote(HOSTNAME) + ">").matcher(dsn).find(), dsn);
        assertTrue(dsn.contains("by " + HOSTNAME + " (Carrier)"), "the Received field of the returned message: " + dsn);
    }

    /** One int (or list) key of each configuration the core and the web console ship, with a value it cannot take. */
    static Stream<Arguments> badValues() {
        return Stream.of(
                // before timeoutMillis: a configuration is refused at its first bad value
                Arguments.of("org.carrier.dns.cfg", "trustAnchorFile", "no-such-anchor.ds", "no-such-anchor.ds"),
                Arguments.of("org.carrier.dns.cfg", "timeoutMillis", "banana", "banana"),
                Arguments.of("org.carrier.router.cfg", "localDomains", "exa mple, ,,", "exa mple"),
                Arguments.of("org.carrier.router.cfg", "dnsWaitSeconds", "banana", "banana"),
                Arguments.of("org.carrier.route-bad.cfg", "port", "abc", "abc"),
                Arguments.of("org.carrier.queue.cfg", "activeLimit", "banana", "banana"),
                Arguments.of("org.carrier.delivery.smtp.cfg", "maxConnections", "banana", "banana"),
                Arguments.of("org.carrier.delivery.lmtp.cfg", "idleTimeoutSeconds", "banana", "banana"),
                Arguments.of("org.carrier.metrics.cfg", "allowedNetworks", "10.0.0.0/33", "10.0.0.0/33"),
                Arguments.of("org.carrier.filter.size.cfg", "maxMessageSize", "banana", "banana"));
    }

    @Order(1)
    @ParameterizedTest(name = "{0}: {1} = {2}")
    @MethodSource("badValues")
    void aBadValueIsOneLineNamingFileKeyAndValueWithoutAStackTrace(String file, String key, String value, String named) throws Exception {
        Path log = carrier.home.resolve("logs/carrier.log");
        int before = read(log).length();
        Path config = carrier.home.resolve("config").resolve(file);
        if (file.equals("org.carrier.route-bad.cfg")) {
            write(config, "domains = bad.test\ntransport = smtp\nnextHops = 127.0.0.1:1\n" + key + " = " + value + "\n");
        } else {
            set(config, key, value);
        }
        String expected = key + " = \"" + named + "\"";
        carrier.awaitLog(expected);
        Thread.sleep(1500); // whatever else SCR or FileInstall would log about it
        String added = read(log).substring(before);
        List<String> lines = added.lines().filter(l -> l.contains(expected)).toList();
        assertEquals(1, lines.size(), "one line about " + expected + ":\n" + added);
        assertTrue(lines.get(0).contains(config.toString()), "the line names the file: " + lines.get(0));
        assertTrue(lines.get(0).contains(" ERROR "), lines.get(0));
        assertFalse(Pattern.compile("Exception|^\\s+at ", Pattern.MULTILINE).matcher(added).find(), "no stack trace:\n" + added);
    }

    @Order(2)
    @Test
    void theLastGoodSettingsStayInForce() throws Exception {
        // localDomains = "exa mple, ,," was refused: localhost is still ours, mple did not become a domain of ours
        assertTrue(send("bob@localhost").startsWith("250"), "localhost is still a local domain");
        try (SmtpClient c = new SmtpClient("127.0.0.1", carrier.smtpPort)) {
            c.reply();
            // and the size filter's bad value left the listener's maxMessageSize in force (one source of truth)
            assertTrue(c.command("EHLO client.test").contains("SIZE 52428800"), "the listener's limit is announced");
        }
    }

    @Order(3)
    @Test
    void anAliasWhoseTargetIsNoUserIsRefusedAtRcptAndNamedInTheLog() throws Exception {
        set(carrier.home.resolve("config/org.carrier.router.cfg"), "localDomains", "localhost");
        set(carrier.home.resolve("config/org.carrier.router.cfg"), "dnsWaitSeconds", "20");
        set(carrier.home.resolve("config/org.carrier.router.cfg"), "localUsers", "alice, bob");
        String log = carrier.awaitLog("alias postmaster: target root reaches no user here");
        assertTrue(log.lines().anyMatch(l -> l.contains(" WARN ") && l.contains("aliases.properties")
                && l.contains("alias postmaster: target root reaches no user here")), log);
        assertTrue(Distribution.waitFor(10, () -> quietly("postmaster@localhost").startsWith("550 5.1.1")),
                "postmaster = root without a user root is refused at RCPT: " + quietly("postmaster@localhost"));
        assertTrue(send("alice@localhost").startsWith("250"));
        set(carrier.home.resolve("config/org.carrier.router.cfg"), "localUsers", "alice, bob, root");
        assertTrue(Distribution.waitFor(10, () -> quietly("postmaster@localhost").startsWith("250")), "root is a user again");
    }

    @Order(4)
    @Test
    void theRouteDecisionLoggerTheReadmeSuggestsShowsRouteDecisionsOnly() throws Exception {
        Path logging = carrier.home.resolve("config/org.ops4j.pax.logging.cfg");
        String shipped = Files.readString(logging, StandardCharsets.ISO_8859_1);
        String enabled = shipped.replaceAll("(?m)^#(log4j2\\.logger\\.router\\.)", "$1");
        assertFalse(enabled.equals(shipped), "the shipped file has the router logger to uncomment");
        Path log = carrier.home.resolve("logs/carrier.log");
        int before = read(log).length();
        write(logging, enabled);
        assertTrue(Distribution.waitFor(30, () -> {
            return quietly("alice@localhost").startsWith("250") && read(log).substring(before).contains("route <alice@localhost>");
        }), "no route decision at DEBUG:\n" + read(log).substring(before));
        set(carrier.home.resolve("config/org.carrier.router.cfg"), "tableCheckSeconds", "3"); // SCR reconfigures the router
        Thread.sleep(4000); // FileInstall polls each second; SCR calls the router's modified method

        List<String> debug = read(log).substring(before).lines().filter(l -> l.contains(" DEBUG ")).toList();
        assertFalse(debug.isEmpty());
        assertTrue(debug.stream().allMatch(l -> l.contains("org.carrier.router.decisions - route <")),
                "only route decisions at DEBUG:\n" + String.join("\n", debug));
    }

    private String send(String recipient) throws IOException {
        return SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of(recipient), SmtpClient.message("config", 100));
    }

    private String quietly(String recipient) {
        try {
            return send(recipient);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Sets {@code key} in a .cfg file: its line replaced, or appended when it has none. */
    private static void set(Path file, String key, String value) throws IOException {
        String text = Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        Pattern line = Pattern.compile("(?m)^" + Pattern.quote(key) + "\\s*=.*$");
        String changed = line.matcher(text).find() ? line.matcher(text).replaceFirst(key + " = " + java.util.regex.Matcher.quoteReplacement(value))
                : text + (text.isEmpty() || text.endsWith("\n") ? "" : "\n") + key + " = " + value + "\n";
        write(file, changed);
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.ISO_8859_1);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
