package org.carrier.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.testing.NsdServer;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Filters come and go while mail flows: with a client sending a steady stream of messages over one session, the
 * SPF filter bundle is installed (the next transaction is checked), reconfigured (the next transactions follow the
 * new setting) and uninstalled (the next transaction is not checked), and afterwards every message the stream got a
 * 250 for is in the mailbox, and no reply of the stream was anything but success.
 * <p>
 * SPF records come from a real nsd on a loopback port: {@code pass.test} allows 127.0.0.1, {@code fail.test} allows
 * no one. The listener trusts no loopback client, so SPF applies to the test's sessions.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FilterHotDeployIT {
    private static final String DNS_SERVER = "carrier.test.dns";
    private static final String SPF_PID = "org.carrier.filter.spf";

    @Inject
    private ConfigurationAdmin configAdmin;
    @Inject
    private BundleContext context;
    @Inject
    private DnsResolver dns;

    @Configuration
    public Option[] config() throws Exception {
        // client.test and stream.test are the clients' EHLO names: SPF checks them too (RFC 7208 §2.3), finding no record.
        NsdServer nsd = NsdServer.start(Map.of(
                "pass.test", "@ TXT \"v=spf1 ip4:127.0.0.1 -all\"",
                "fail.test", "@ TXT \"v=spf1 -all\"",
                "client.test", "@ A 127.0.0.1\n_dmarc TXT \"v=DMARC1; p=reject\"",
                "stream.test", "@ A 127.0.0.1"), 60);
        // Pax Exam's configuration runs in the JVM that also hosts the framework; nsd lives as long as it.
        Runtime.getRuntime().addShutdownHook(new Thread(nsd::close));
        return PaxCore.options(systemProperty(DNS_SERVER).value(nsd.server())).toArray(new Option[0]);
    }

    @Test
    public void theSpfFilterIsInstalledReconfiguredAndUninstalledWhileMailFlows() throws Exception {
        useTestDns();
        int port = PaxCore.listener(configAdmin, "hot-deploy", "192.0.2.0/24");
        Path alice = Path.of(context.getProperty("carrier.data.dir")).resolve("mailboxes").resolve("alice");
        try (MessageStream stream = new MessageStream(port, "stream@pass.test", "alice@localhost", 5_000, 240)) {
            assertTrue("the stream did not start", stream.awaitSent(5, 30));
            assertTrue("no filter yet: " + probe(port), probe(port).startsWith("250"));

            Bundle spf = install("org.carrier.filter.spf.jar");
            assertTrue("the spf filter service never appeared", Distribution.waitFor(30, () -> filters("spf") == 1));
            int sentBeforeSpf = stream.sent();
            String refused = probe(port);
            assertTrue("the first transaction after the filter registered was not checked: " + refused,
                    refused.startsWith("550 5.7.23"));
            assertTrue(stream.awaitSent(sentBeforeSpf + 5, 30));

            configure(SPF_PID, Map.of("failAction", "TAG"));
            assertTrue("the changed setting was not applied", Distribution.waitFor(20, () -> probeQuietly(port).startsWith("250")));
            configure(SPF_PID, Map.of("failAction", "REJECT"));
            assertTrue("the setting changed back was not applied", Distribution.waitFor(20, () -> probeQuietly(port).startsWith("550 5.7.23")));

            spf.uninstall();
            assertEquals("spf is gone", 0, filters("spf"));
            int sentAfterSpf = stream.sent();
            assertTrue("the first transaction after the filter left was still checked", probe(port).startsWith("250"));
            assertTrue(stream.awaitSent(sentAfterSpf + 5, 30));

            List<String> failures = stream.stop();
            assertEquals("replies of the stream other than success", List.of(), failures);
            Set<String> accepted = stream.accepted();
            assertTrue("every accepted message of the stream is delivered",
                    Distribution.waitFor(60, () -> delivered(alice, "stream ").containsAll(accepted)));
            assertTrue("messages sent while spf was active carry its result",
                    Distribution.waitFor(10, () -> spfCheckedSubjects(alice).size() >= 5));
            System.out.printf("hot deploy under load: %d messages streamed, %d checked by spf, none refused or lost%n",
                    accepted.size(), spfCheckedSubjects(alice).size());
        }
    }

    /**
     * DKIM and DMARC together: the test messages' From domain, client.test, publishes p=reject, and they carry no
     * DKIM signature (nor an SPF result: that filter is not deployed here), so DMARC refuses them while both bundles
     * are installed (DMARC reads DKIM's result), and takes them again once they are gone.
     */
    @Test
    public void dkimAndDmarcBundlesResolveAndApplyThePolicyOfTheFromDomain() throws Exception {
        useTestDns();
        int port = PaxCore.listener(configAdmin, "dmarc", "192.0.2.0/24");
        assertTrue("no filter yet", probe(port).startsWith("250"));
        Bundle dkim = install("org.carrier.filter.dkim.jar");
        Bundle dmarc = install("org.carrier.filter.dmarc.jar");
        assertTrue("the filters never appeared", Distribution.waitFor(30, () -> filters("dkim") + filters("dmarc") == 2));
        String refused = probe(port);
        assertTrue("DMARC p=reject was not applied: " + refused, refused.startsWith("550 5.7.1"));
        dmarc.uninstall();
        dkim.uninstall();
        assertEquals(0, filters("dkim") + filters("dmarc"));
        assertTrue("the first transaction after the filters left was still checked", probe(port).startsWith("250"));
    }

    private Bundle install(String jar) throws Exception {
        Bundle bundle = context.installBundle(Distribution.home().resolve("extras").resolve(jar).toUri().toString());
        bundle.start();
        return bundle;
    }

    private int filters(String name) {
        try {
            return context.getServiceReferences(SmtpFilter.class, "(" + SmtpFilter.NAME + "=" + name + ")").size();
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One transaction from {@code fail.test}, which SPF refuses when the filter is there and set to REJECT. */
    private static String probe(int port) throws IOException {
        return SmtpClient.send(port, "probe@fail.test", List.of("alice@localhost"), SmtpClient.message("probe", 100));
    }

    private static String probeQuietly(int port) {
        try {
            return probe(port);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void useTestDns() throws Exception {
        configure("org.carrier.dns", Map.of("servers", System.getProperty(DNS_SERVER), "timeoutMillis", 1000));
        assertTrue("the resolver never used the test's nsd", Distribution.waitFor(30, () -> {
            try {
                return dns.txt("pass.test").toCompletableFuture().get(2, TimeUnit.SECONDS).toString().contains("v=spf1");
            } catch (Exception e) {
                return false;
            }
        }));
    }

    private void configure(String pid, Map<String, Object> values) throws IOException {
        org.osgi.service.cm.Configuration configuration = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> props = configuration.getProperties() == null ? new Hashtable<>() : configuration.getProperties();
        values.forEach(props::put);
        configuration.update(props);
    }

    /** The subjects starting with {@code prefix} of the messages in a Maildir. */
    private static Set<String> delivered(Path maildir, String prefix) {
        Set<String> subjects = new TreeSet<>();
        for (Path mail : Distribution.newMail(maildir)) {
            for (String line : read(mail)) {
                if (line.startsWith("Subject: " + prefix)) {
                    subjects.add(line.substring("Subject: ".length()));
                }
            }
        }
        return subjects;
    }

    private static List<String> spfCheckedSubjects(Path maildir) {
        List<String> checked = new ArrayList<>();
        for (Path mail : Distribution.newMail(maildir)) {
            String text = String.join("\n", read(mail));
            if (text.contains("Subject: stream ") && text.contains("spf=pass smtp.mailfrom=stream@pass.test")) {
                checked.add(mail.getFileName().toString());
            }
        }
        return checked;
    }

    private static List<String> read(Path mail) {
        try {
            return Files.readAllLines(mail, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return List.of(); // a file being renamed into new/ right now: the caller polls again
        }
    }
}
