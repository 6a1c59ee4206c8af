package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.message.MailAddress;
import org.carrier.api.route.Destination;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.TransportOptions;
import org.carrier.testing.dns.CarrierResolver;
import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** MX routing (RFC 5321 §5.1, RFC 7505) with the real resolver against a real nsd on a loopback port. */
class MxRoutingTest {
    private static final int PORT = 2525;
    private static NsdServer nsd;
    private static MxRouting mx;

    @BeforeAll
    static void startDns() throws Exception {
        nsd = NsdServer.start(Map.of("route.test", """
                pref MX 20 mx2.pref.route.test.
                pref MX 10 mx1.pref.route.test.
                mx1.pref A 127.0.0.11
                mx2.pref A 127.0.0.12
                mx2.pref AAAA ::1
                equal MX 10 mxa.equal.route.test.
                equal MX 10 mxb.equal.route.test.
                mxa.equal A 127.0.0.16
                mxb.equal A 127.0.0.17
                aonly A 127.0.0.13
                v6only AAAA ::1
                nullmx MX 0 .
                nullmx A 127.0.0.15
                broken MX 10 nohost.broken.route.test.
                broken A 127.0.0.20
                partly MX 10 nohost.partly.route.test.
                partly MX 20 mx.partly.route.test.
                mx.partly A 127.0.0.21
                self MX 5 low.self.route.test.
                self MX 10 me.route.test.
                self MX 20 high.self.route.test.
                low.self A 127.0.0.22
                high.self A 127.0.0.23
                me A 127.0.0.1
                loop MX 10 ME.route.test.
                loop MX 20 high.self.route.test.
                exists TXT "no mail here"
                """), 60);
        mx = routing(nsd.server());
    }

    private static MxRouting routing(String servers) {
        DnsResolver resolver = CarrierResolver.of(Map.of("servers", servers, "timeoutMillis", 500, "retries", 1));
        return new MxRouting(() -> resolver, Set.of("me.route.test"), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopDns() {
        nsd.close();
    }

    private static RouteDecision route(MxRouting routing, String address) {
        return routing.route("mx", MailAddress.parse(address), PORT, TransportOptions.DEFAULT);
    }

    private static NextHop hop(String host, String... addresses) throws Exception {
        List<InetAddress> resolved = new java.util.ArrayList<>();
        for (String a : addresses) {
            resolved.add(InetAddress.getByName(a));
        }
        return new NextHop(host, PORT, resolved);
    }

    @Test
    void lowestPreferenceFirstEachWithItsAddressesIpv6First() throws Exception {
        RouteDecision d = route(mx, "bob@pref.route.test");
        assertEquals(Destination.REMOTE, d.destination());
        assertEquals("smtp", d.transport());
        assertEquals(List.of(hop("mx1.pref.route.test", "127.0.0.11"), hop("mx2.pref.route.test", "::1", "127.0.0.12")), d.nextHops());
    }

    @Test
    void equalPreferencesAreTriedInRandomOrder() {
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < 64 && firsts.size() < 2; i++) {
            RouteDecision d = route(mx, "bob@equal.route.test");
            assertEquals(2, d.nextHops().size());
            firsts.add(d.nextHops().get(0).host());
        }
        assertEquals(Set.of("mxa.equal.route.test", "mxb.equal.route.test"), firsts, "64 tries always put the same host first");
    }

    @Test
    void withoutMxTheDomainItselfIsTheMailHost() throws Exception {
        assertEquals(List.of(hop("aonly.route.test", "127.0.0.13")), route(mx, "bob@aonly.route.test").nextHops());
        assertEquals(List.of(hop("v6only.route.test", "::1")), route(mx, "bob@v6only.route.test").nextHops());
    }

    @Test
    void aNullMxRefusesWith556Dot1Dot10AndIgnoresTheARecord() {
        RouteDecision d = route(mx, "bob@nullmx.route.test");
        assertEquals(Destination.REFUSED, d.destination());
        assertEquals("556 5.1.10", d.refusal().code() + " " + d.refusal().enhancedStatus());
    }

    @Test
    void mxHostsWithoutAddressAreSkipped() throws Exception {
        assertEquals(List.of(hop("mx.partly.route.test", "127.0.0.21")), route(mx, "bob@partly.route.test").nextHops());
        RouteDecision none = route(mx, "bob@broken.route.test");
        assertEquals("550 5.4.4", none.refusal().code() + " " + none.refusal().enhancedStatus(),
                "no implicit MX when the MX host has no address");
    }

    @Test
    void whenWeAreListedOnlyMorePreferredHostsRemain() throws Exception {
        assertEquals(List.of(hop("low.self.route.test", "127.0.0.22")), route(mx, "bob@self.route.test").nextHops());
        RouteDecision loop = route(mx, "bob@loop.route.test");
        assertEquals("554 5.4.6", loop.refusal().code() + " " + loop.refusal().enhancedStatus());
    }

    @Test
    void aDomainThatDoesNotExistFailsWith5Dot1Dot2() {
        RouteDecision d = route(mx, "bob@nx.route.test");
        assertEquals("550 5.1.2", d.refusal().code() + " " + d.refusal().enhancedStatus());
    }

    @Test
    void aDomainWithNeitherMxNorAddressFails() {
        RouteDecision d = route(mx, "bob@exists.route.test");
        assertEquals("550 5.4.4", d.refusal().code() + " " + d.refusal().enhancedStatus());
    }

    @Test
    void aRefusedZoneIsATemporaryFailure() {
        // nsd answers REFUSED outside its zones: like SERVFAIL, no answer for now.
        RouteDecision d = route(mx, "bob@example.org");
        assertEquals("451 4.4.3", d.refusal().code() + " " + d.refusal().enhancedStatus());
    }

    @Test
    void aServerThatNeverAnswersDefersWithinTheResolversTimeout() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            MxRouting slow = routing("127.0.0.1:" + silent.getLocalPort());
            long start = System.nanoTime();
            RouteDecision d = route(slow, "bob@pref.route.test");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals("451 4.4.3", d.refusal().code() + " " + d.refusal().enhancedStatus());
            assertTrue(millis < 5000, "waited " + millis + " ms; the resolver gives up after 2 x 500 ms");
        }
    }

    @Test
    void withoutAResolverMxRoutingDefers() {
        RouteDecision d = new MxRouting(() -> null, Set.of(), Duration.ofSeconds(1))
                .route("mx", MailAddress.parse("a@b.test"), PORT, TransportOptions.DEFAULT);
        assertEquals(451, d.refusal().code());
    }
}
