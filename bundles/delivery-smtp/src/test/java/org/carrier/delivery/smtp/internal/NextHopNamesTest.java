package org.carrier.delivery.smtp.internal;

import static org.carrier.delivery.smtp.internal.Fixtures.MESSAGE;
import static org.carrier.delivery.smtp.internal.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.api.route.NextHop;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.testing.FakeDnsResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Next hops named in a route are resolved through the DnsResolver service, never the system resolver (issue 22 item 6).
 * The resolver here answers from a table; RoutingIT does the same against a real nsd through the started distribution.
 */
class NextHopNamesTest {
    private final Watchdog watchdog = new Watchdog();
    private static final Map<String, Kind> FAILURES = Map.of("nx.test", Kind.NAME_NOT_FOUND, "nodata.test", Kind.NO_DATA,
            "servfail.test", Kind.TEMPORARY);
    private final FakeDnsResolver dns = new FakeDnsResolver().addresses(NextHopNamesTest::table);
    private ClientDelivery delivery = Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000)), null, watchdog, dns);

    @AfterEach
    void stop() {
        delivery.close();
        watchdog.close();
    }

    @Test
    void aNameOnlyTheResolverKnowsIsDeliveredToItsAddress() throws Exception {
        try (ScriptedServer peer = ScriptedServer.accepting("250 2.0.0 ok")) {
            RecipientOutcome out = deliver(new NextHop("relay.only-in-carrier-dns.test", peer.port()));
            assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
            assertEquals("relay.only-in-carrier-dns.test[127.0.0.1]:" + peer.port(), out.remote());
            assertEquals(List.of("relay.only-in-carrier-dns.test"), dns.asked());
        }
    }

    @Test
    void hopsThatDoNotExistFailForGood() {
        RecipientOutcome out = deliver(new NextHop("nx.test", 25), new NextHop("nodata.test", 25));
        assertEquals(Outcome.FAILED, out.outcome(), out.toString());
        assertEquals(550, out.reply().code());
        assertEquals("5.4.4", out.reply().enhancedStatus());
    }

    @Test
    void aDnsFailureDefers() {
        RecipientOutcome out = deliver(new NextHop("nx.test", 25), new NextHop("servfail.test", 25));
        assertEquals(Outcome.DEFERRED, out.outcome(), out.toString());
        assertEquals("4.4.3", out.reply().enhancedStatus());
    }

    @Test
    void withoutAResolverANameIsDeferredAndLiteralsStillWork() throws Exception {
        delivery.close();
        delivery = Fixtures.client(Protocol.SMTP, Fixtures.settings(Fixtures.reuse(1, 10_000)), null, watchdog, null);
        assertEquals("4.4.3", deliver(new NextHop("relay.only-in-carrier-dns.test", 25)).reply().enhancedStatus());
        try (ScriptedServer peer = ScriptedServer.accepting("250 2.0.0 ok")) {
            assertEquals(Outcome.DELIVERED, deliver(new NextHop("127.0.0.1", peer.port())).outcome());
            assertEquals(Outcome.DELIVERED, deliver(new NextHop("localhost", peer.port())).outcome(), "RFC 6761 §6.3");
        }
    }

    @Test
    void aMissingHopIsSkippedForTheNextOne() throws Exception {
        try (ScriptedServer peer = ScriptedServer.accepting("250 2.0.0 ok")) {
            RecipientOutcome out = deliver(new NextHop("nx.test", 25), new NextHop("relay.only-in-carrier-dns.test", peer.port()));
            assertEquals(Outcome.DELIVERED, out.outcome(), out.toString());
            assertTrue(dns.asked().containsAll(List.of("nx.test", "relay.only-in-carrier-dns.test")), dns.asked().toString());
        }
    }

    private RecipientOutcome deliver(NextHop... hops) {
        return delivery.deliver(request(MESSAGE, List.of(hops), "a@r.test")).get(0);
    }

    /** Answers A/AAAA questions from a table, as the dns bundle would for its zone. */
    private static CompletionStage<List<InetAddress>> table(String host) {
        Kind failure = FAILURES.get(host);
        return failure != null ? FakeDnsResolver.failure(failure, host + ": " + failure)
                : FakeDnsResolver.answer(List.of(InetAddress.getLoopbackAddress()));
    }
}
