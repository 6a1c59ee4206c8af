package org.carrier.dns.internal;

import static org.carrier.dns.internal.DnsjavaResolverTest.failure;
import static org.carrier.dns.internal.DnsjavaResolverTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.carrier.api.dns.DnsLookupException.Kind;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.WireDnsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** The test DNS server, seen through the real resolver. */
class WireDnsServerTest {
    private static WireDnsServer server;
    private static DnsjavaResolver resolver;

    @BeforeAll
    static void start() throws Exception {
        server = WireDnsServer.start();
        WireDnsServer.Zone zone = new WireDnsServer.Zone()
                .add(new ARecord(name("host.wire.test"), DClass.IN, 60, InetAddress.getByName("192.0.2.1")))
                .add(new CNAMERecord(name("alias.wire.test"), DClass.IN, 60, name("HOST.wire.test")))
                .add(new CNAMERecord(name("loop.wire.test"), DClass.IN, 60, name("loop.wire.test")))
                .add(WireDnsServer.text(name("bytes.wire.test"), Type.TXT, List.of("v=spf1 ".getBytes(StandardCharsets.US_ASCII),
                        new byte[] {'a', (byte) 0x96})))
                .timeout(name("silent.wire.test"))
                .rcode(name("broken.wire.test"), Rcode.SERVFAIL);
        for (int i = 0; i < 20; i++) {
            zone.add(WireDnsServer.text(name("big.wire.test"), Type.TXT, List.of(("record " + i + " " + "x".repeat(200)).getBytes(StandardCharsets.US_ASCII))));
        }
        server.serve(zone);
        resolver = new DnsjavaResolver(AnnotationConfig.of(DnsjavaResolver.Config.class,
                Map.of("servers", server.server(), "timeoutMillis", 1000, "retries", 0, "failureTtlSeconds", 0)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void recordsAndCnameChainsAreServed() throws Exception {
        assertEquals(List.of(InetAddress.getByName("192.0.2.1")), get(resolver.ipv4Addresses("host.wire.test")));
        assertEquals(List.of(InetAddress.getByName("192.0.2.1")), get(resolver.ipv4Addresses("alias.wire.test")));
    }

    @Test
    void missingNamesAndMissingTypesAreToldApart() {
        assertEquals(Kind.NAME_NOT_FOUND, failure(resolver.ipv4Addresses("nx.wire.test")));
        assertEquals(Kind.NO_DATA, failure(resolver.ipv6Addresses("host.wire.test")));
        assertEquals(Kind.NO_DATA, failure(resolver.ipv4Addresses("wire.test")), "a name with names below it exists");
    }

    @Test
    void silentNamesTimeOutAndRcodesAreSent() {
        long start = System.nanoTime();
        assertEquals(Kind.TEMPORARY, failure(resolver.txt("silent.wire.test")));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 900, "answered before the timeout");
        assertEquals(Kind.TEMPORARY, failure(resolver.txt("broken.wire.test")));
        assertEquals(Kind.TEMPORARY, failure(resolver.ipv4Addresses("loop.wire.test")), "a CNAME loop");
    }

    @Test
    void textIsSentAsItsBytesAndLargeAnswersGoOverTcp() throws Exception {
        assertEquals(List.of("v=spf1 a\uFFFD"), get(resolver.txt("bytes.wire.test")));
        assertEquals(20, get(resolver.txt("big.wire.test")).size());
    }

    private static Name name(String text) throws Exception {
        return Name.fromString(text + ".");
    }
}
