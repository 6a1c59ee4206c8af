package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The dnsbl, greylist and ratelimit filters as a user deploys them: their jars copied from extras/ to deploy/ of
 * the running distribution, configured by files in config/, the lists served by a real nsd, and clients on several
 * loopback addresses standing for other hosts (127.0.0.0/8 is not a trusted network here, so the filters apply).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyFiltersIT {
    private static final String RCPT = "postmaster@localhost";

    private NsdServer nsd;
    private RunningCarrier carrier;
    private final AtomicInteger probes = new AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        nsd = NsdServer.start(Map.of("bl.test", """
                8.0.0.127 A 127.0.0.2
                8.0.0.127 TXT "Listed by the end-to-end test"
                """), 60);
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "e2e-policy-"));
        Path config = carrier.home.resolve("config");
        Path listener = config.resolve("org.carrier.smtp.listener-default.cfg");
        String text = Files.readString(listener, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("trustedNetworks = 127.0.0.0/8, ::1/128"), text);
        Files.writeString(listener, text.replace("trustedNetworks = 127.0.0.0/8, ::1/128", "trustedNetworks = ::1/128"),
                StandardCharsets.ISO_8859_1);
        carrier.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        carrier.configure("org.carrier.filter.dnsbl.cfg", "zones = bl.test=127.0.0.2-127.0.0.11\n");
        carrier.configure("org.carrier.filter.greylist.cfg", "delaySeconds = 2\n");
        // Only the sender domain is limited: every test uses sender domains of its own.
        carrier.configure("org.carrier.filter.ratelimit.cfg", "messagesPerClient = 0\nrecipientsPerClient = 0\n"
                + "messagesPerSenderDomain = 3\nwindowSeconds = 3600\n");
        for (String filter : List.of("dnsbl", "greylist", "ratelimit")) {
            String jar = "org.carrier.filter." + filter + ".jar";
            Files.copy(carrier.home.resolve("extras").resolve(jar), carrier.home.resolve("deploy").resolve(jar));
        }
        carrier.start();
        // The deployed bundles start just after the listener: wait until the first (dnsbl) and last (greylist) answer.
        assertTrue(Distribution.waitFor(30, () -> send("127.0.0.250", probeSender()).startsWith("451 4.7.1 Greylisted")),
                "greylist is not active:\n" + carrier.console());
        assertTrue(Distribution.waitFor(30, () -> send("127.0.0.8", probeSender()).startsWith("554")),
                "dnsbl is not active:\n" + carrier.console());
    }

    /** Each message from its own sender domain, so that the sender domain limit counts none of them twice. */
    private String probeSender() {
        return "probe@p" + probes.incrementAndGet() + ".test";
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, nsd);
    }

    /** One message from {@code client}; the first refusal, or the final reply to DATA. */
    private String send(String client, String sender) {
        try {
            return SmtpClient.send(InetAddress.getByName(client), carrier.smtpPort, sender, List.of(RCPT),
                    SmtpClient.message("policy", 200));
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void aListedClientIsRefusedWithTheListsText() {
        assertEquals("554 5.7.1 Service unavailable; client [127.0.0.8] blocked using bl.test; Listed by the end-to-end test",
                send("127.0.0.8", "someone@listed.test"));
        assertTrue(send("127.0.0.7", "someone@listed.test").startsWith("451 4.7.1 Greylisted"), "not listed: greylisted");
    }

    @Test
    void aRetryAfterTheDelayPassesAndTheTripletIsRememberedAcrossARestart() throws Exception {
        assertEquals("451 4.7.1 Greylisted, try again in 2 seconds", send("127.0.0.9", "grey@grey.test"));
        Thread.sleep(2100);
        String retry = send("127.0.0.9", "grey@grey.test");
        assertTrue(retry.startsWith("250 "), "the retry after 2 s: " + retry);
        carrier.stop();
        carrier.start();
        String afterRestart = send("127.0.0.9", "grey@grey.test");
        assertTrue(afterRestart.startsWith("250 "), "after the restart: " + afterRestart);
        assertTrue(send("127.0.0.9", "new@grey2.test").startsWith("451 4.7.1 Greylisted"));
    }

    @Test
    void aSenderDomainOverItsLimitIsDeferredAtMailFrom() {
        // The greylist defers each of these at RCPT, after the message has been counted at MAIL FROM.
        for (int i = 0; i < 3; i++) {
            assertTrue(send("127.0.0." + (20 + i), "x" + i + "@burst.test").startsWith("451 4.7.1 Greylisted"));
        }
        assertEquals("451 4.7.1 Rate limit exceeded: too many messages from sender-domain burst.test (at most 3 per 3600 s); "
                + "try again later", send("127.0.0.23", "x3@burst.test"));
    }
}
