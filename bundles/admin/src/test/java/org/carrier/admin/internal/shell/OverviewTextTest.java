package org.carrier.admin.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import org.carrier.admin.internal.overview.FilterInventory;
import org.carrier.admin.internal.overview.RouteReport;
import org.carrier.api.dns.MxRecord;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.tls.TlsPolicyReport;
import org.junit.jupiter.api.Test;

class OverviewTextTest {

    @Test
    void anMxRouteWithItsRecordsAndResolvedHops() throws Exception {
        RouteReport report = new RouteReport(MailAddress.parse("bob@example.com"),
                RouteDecision.remote("internet", "smtp", List.of(
                        new NextHop("mx1.example.com", 25, List.of(InetAddress.getByName("192.0.2.1"), InetAddress.getByName("2001:db8::1"))),
                        new NextHop("mx2.example.com", 25, List.of(InetAddress.getByName("192.0.2.2"))))),
                "mx", List.of(new MxRecord(20, "mx2.example.com"), new MxRecord(10, "mx1.example.com")), null);
        assertEquals("""
                <bob@example.com>
                  route:        internet (transport mx)
                  destination:  remote
                  delivered by: smtp
                  MX records:   10 mx1.example.com, 20 mx2.example.com
                  next hops:    mx1.example.com:25 [192.0.2.1, 2001:db8:0:0:0:0:0:1]
                                mx2.example.com:25 [192.0.2.2]
                  options:      tls=MAY""", OverviewText.route(report));
    }

    @Test
    void theTlsPolicyOfEachHop() throws Exception {
        RouteReport report = new RouteReport(MailAddress.parse("bob@example.com"),
                RouteDecision.remote("internet", "smtp", List.of(new NextHop("mx1.example.com", 25, List.of(InetAddress.getByName("192.0.2.1"))))),
                "mx", List.of(new MxRecord(10, "mx1.example.com")), null, Map.of(),
                new TlsPolicyReport("example.com", TlsPolicy.DANE, null, List.of(new TlsPolicyReport.HostTlsPolicy("mx1.example.com",
                        TlsPolicyReport.Enforcement.DANE, List.of("3 1 1 ab12"), "secure TLSA at _25._tcp.mx1.example.com"))), null);
        assertEquals("""
                <bob@example.com>
                  route:        internet (transport mx)
                  destination:  remote
                  delivered by: smtp
                  MX records:   10 mx1.example.com
                  next hops:    mx1.example.com:25 [192.0.2.1]
                  options:      tls=MAY
                  TLS policy:   tls = dane for example.com
                                mx1.example.com: dane (3 1 1 ab12) secure TLSA at _25._tcp.mx1.example.com""", OverviewText.route(report));
    }

    @Test
    void aRefusedAddressShowsTheReply() {
        RouteReport report = new RouteReport(MailAddress.parse("x@nowhere.example"),
                RouteDecision.refused("none", new SmtpReply(550, "5.4.4", "no route to domain nowhere.example")), null, List.of(), null);
        assertEquals("""
                <x@nowhere.example>
                  route:        none
                  destination:  refused
                  refused:      550 5.4.4 no route to domain nowhere.example""", OverviewText.route(report));
    }

    @Test
    void filtersInChainOrderWithVerdicts() {
        FilterInventory inventory = new FilterInventory(List.of(
                new FilterInventory.Filter("size", "org.carrier.filter.size", 1000, 40, "org.carrier.filter.size", "0.1.0", Map.of("reject", 2L, "proceed", 5L)),
                new FilterInventory.Filter("spf", null, 500, 41, "org.carrier.filter.spf", "0.1.0", Map.of())));
        String[] lines = OverviewText.filters(inventory).split("\n");
        assertEquals(4, lines.length);
        assertEquals("1   1000     size             org.carrier.filter.size 0.1.0            proceed=5 reject=2", lines[1]);
        assertEquals(" ".repeat(30) + "configuration org.carrier.filter.size", lines[2]);
        assertEquals("2   500      spf              org.carrier.filter.spf 0.1.0             -", lines[3]);
        assertEquals("No SMTP filters deployed (drop a filter bundle into deploy/)", OverviewText.filters(new FilterInventory(List.of())));
    }
}
