package org.carrier.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.carrier.api.message.MailAddress;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.queue.RecipientStatus;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Boots the distribution's core bundles in Felix (no web console, no shell) and proves the core
 * promises over real sockets: a message to a local user lands in their Maildir, a message for a
 * routed domain reaches the SMTP peer the route names, a route changed through ConfigAdmin
 * is followed by the next message without a restart, and the queue's operations service re-routes
 * a deferred message after such a change.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CoreBundlesIT {
    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-Z]+)");

    @Inject
    private ConfigurationAdmin configAdmin;
    @Inject
    private Router router;
    @Inject
    private BundleContext context;
    @Inject
    private QueueOperations queueOperations;

    @Configuration
    public Option[] config() throws IOException {
        return PaxCore.options().toArray(new Option[0]);
    }

    @Test
    public void localMailLandsInMaildirAndRoutedMailReachesItsNextHop() throws Exception {
        try (SmtpSink sink = new SmtpSink()) {
            int port = listener("local-and-relay");
            route("relay-one", "relay.test", sink.port());

            String reply = SmtpClient.send(port, "sender@client.test", List.of("alice@localhost", "bob@relay.test"),
                    SmtpClient.message("pax exam", 300));
            String queueId = queueId(reply);

            SmtpSink.Received relayed = sink.next(30);
            assertNotNull("the relay peer received nothing", relayed);
            assertEquals(List.of("bob@relay.test"), relayed.to());
            assertEquals("sender@client.test", relayed.from());
            assertTrue(relayed.content(), relayed.content().contains("Subject: pax exam"));
            assertTrue(relayed.content(), relayed.content().contains(queueId));

            Path alice = dataDir().resolve("mailboxes").resolve("alice");
            assertTrue("nothing in alice's Maildir", Distribution.waitFor(30, () -> !Distribution.newMail(alice).isEmpty()));
            String delivered = Files.readString(Distribution.newMail(alice).get(0), StandardCharsets.ISO_8859_1);
            assertTrue(delivered, delivered.startsWith("Return-Path: <sender@client.test>\r\n"));
            assertTrue(delivered, delivered.contains("Delivered-To: alice@localhost\r\n"));
            assertTrue(delivered, delivered.contains("Received: from client.test"));
            assertTrue(delivered, delivered.contains("Subject: pax exam"));
        }
    }

    @Test
    public void aChangedRouteIsFollowedByTheNextMessage() throws Exception {
        try (SmtpSink first = new SmtpSink(); SmtpSink second = new SmtpSink()) {
            int port = listener("route-change");
            route("moving", "moving.test", first.port());
            queueId(SmtpClient.send(port, "sender@client.test", List.of("carol@moving.test"), SmtpClient.message("one", 100)));
            assertNotNull("first peer got nothing", first.next(30));

            route("moving", "moving.test", second.port());
            queueId(SmtpClient.send(port, "sender@client.test", List.of("carol@moving.test"), SmtpClient.message("two", 100)));
            SmtpSink.Received moved = second.next(30);
            assertNotNull("the changed route was not followed", moved);
            assertTrue(moved.content().contains("Subject: two"));
            assertNull("the old next hop still got mail", first.next(1));
        }
    }

    @Test
    public void queueOperationsShowADeferredMessageAndRerouteItAfterTheRouteIsFixed() throws Exception {
        try (SmtpSink sink = new SmtpSink()) {
            int port = listener("reroute");
            route("broken", "reroute.test", Distribution.freePort()); // nobody listens there
            String queueId = queueId(SmtpClient.send(port, "sender@client.test", List.of("erin@reroute.test"),
                    SmtpClient.message("rerouted", 100)));
            assertTrue("never deferred", Distribution.waitFor(30, () -> queueOperations.show(queueId)
                    .map(m -> m.recipients().get(0).state() == DeliveryState.DEFERRED).orElse(false)));
            RecipientStatus deferred = queueOperations.show(queueId).get().recipients().get(0);
            assertTrue(String.valueOf(deferred.lastReply()), deferred.lastReply().isTransient());
            assertEquals(List.of(queueId), queueOperations.list(QueueFilter.any().withDomain("reroute.test")).stream()
                    .map(QueuedMessage::queueId).toList());

            route("broken", "reroute.test", sink.port());
            assertEquals(1, queueOperations.reroute(QueueFilter.any().withDomain("reroute.test")));
            SmtpSink.Received relayed = sink.next(30);
            assertNotNull("not delivered after the reroute (its next retry is minutes away)", relayed);
            assertTrue(relayed.content().contains(queueId));
            assertTrue("still queued", Distribution.waitFor(30, () -> queueOperations.show(queueId).isEmpty()));
        }
    }

    @Test
    public void unroutedRemoteDomainsAreRefusedAtRcpt() throws Exception {
        int port = listener("refusal");
        try (SmtpClient c = new SmtpClient("127.0.0.1", port)) {
            c.reply();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<sender@client.test>");
            String reply = c.command("RCPT TO:<dave@nowhere.test>");
            assertTrue(reply, reply.startsWith("550 5.4.4"));
        }
    }

    private Path dataDir() {
        return Path.of(context.getProperty("carrier.data.dir"));
    }

    private int listener(String name) throws Exception {
        return PaxCore.listener(configAdmin, name, "127.0.0.0/8, ::1/128");
    }

    /** Creates or changes a route, then waits until the router follows it. */
    private void route(String name, String domain, int sinkPort) throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("name", name);
        props.put("domains", domain);
        props.put("transport", "smtp");
        props.put("nextHops", "127.0.0.1:" + sinkPort);
        configAdmin.getFactoryConfiguration("org.carrier.route", name, "?").update(props);
        MailAddress probe = MailAddress.of("probe", domain);
        assertTrue("route " + name + " never took effect", Distribution.waitFor(30, () -> {
            RouteDecision d = router.route(probe);
            return d.nextHops().size() == 1 && d.nextHops().get(0).port() == sinkPort;
        }));
    }

    private static String queueId(String reply) {
        Matcher m = QUEUED.matcher(reply);
        assertTrue("not queued: " + reply, m.find());
        return m.group(1);
    }
}
