package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.Destination;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.junit.jupiter.api.Test;

class RouteTableTest {

    private static Route route(String name, String domains, String hops, int order) {
        return Route.parse(name, domains, "smtp", hops, order);
    }

    /** The decision of the best route, or a refusal when none matches (what the router does for other domains). */
    private static RouteDecision decide(RouteTable table, String address) {
        MailAddress recipient = MailAddress.parse(address);
        RouteTable.Match match = table.best(recipient.domain());
        return match == null ? RouteDecision.refused("none", new SmtpReply(550, "5.4.4", "no route"))
                : match.route().decide(recipient, null);
    }

    @Test
    void exactBeatsWildcardBeatsLongerSuffixBeatsDefault() {
        RouteTable table = new RouteTable(List.of(
                route("default", "*", "default.hop:25", 1),
                route("wide", "*.test", "wide.hop:25", 1),
                route("narrow", "*.relay.test", "narrow.hop:25", 1),
                route("exact", "relay.test", "exact.hop:2526", 50)));
        assertEquals("exact", decide(table, "a@relay.test").routeName());
        assertEquals(List.of(new NextHop("exact.hop", 2526)), decide(table, "a@relay.test").nextHops());
        assertEquals("narrow", decide(table, "a@mx.relay.test").routeName());
        assertEquals("wide", decide(table, "a@other.test").routeName());
        assertEquals("default", decide(table, "a@example.org").routeName());
    }

    @Test
    void wildcardDoesNotMatchTheBareDomain() {
        RouteTable table = new RouteTable(List.of(route("sub", "*.relay.test", "h:25", 1)));
        assertEquals(Destination.REFUSED, decide(table, "a@relay.test").destination());
        assertEquals(Destination.REMOTE, decide(table, "a@x.relay.test").destination());
    }

    @Test
    void tiesGoToTheLowerOrderThenTheName() {
        RouteTable table = new RouteTable(List.of(
                route("b", "same.test", "b:25", 10), route("a", "same.test", "a:25", 20), route("c", "same.test", "c:25", 10)));
        assertEquals("b", decide(table, "x@same.test").routeName());
    }

    @Test
    void theMatchExplainsItself() {
        RouteTable table = new RouteTable(List.of(route("b", "same.test", "b:25", 10), route("a", "same.test", "a:25", 20),
                route("w", "*.test", "w:25", 1), route("d", "*", "d:25", 1)));
        assertEquals("exact match same.test, order 10 beats 1 other(s) as specific", table.best("same.test").why());
        assertEquals("wildcard *.test", table.best("other.test").why());
        assertEquals("default route *", table.best("example.org").why());
    }

    @Test
    void aNewTableChangesTheNextDecisionOnly() {
        RouteTable before = new RouteTable(List.of(route("r", "relay.test", "one:2526", 1)));
        RouteTable after = new RouteTable(List.of(route("r", "relay.test", "two:2527", 1)));
        assertEquals(2526, decide(before, "a@relay.test").nextHops().get(0).port());
        assertEquals(2527, decide(after, "a@relay.test").nextHops().get(0).port());
    }

    @Test
    void invalidSettingsNameTheirField() {
        assertEquals("domains", assertThrows(ConfigProblem.class, () -> route("r", " ", "h:25", 1)).key());
        assertEquals("domains", assertThrows(ConfigProblem.class, () -> route("r", "a.*.test", "h:25", 1)).key());
        assertEquals("nextHops", assertThrows(ConfigProblem.class, () -> route("r", "x.test", "h:port", 1)).key());
        assertEquals("nextHops", assertThrows(ConfigProblem.class, () -> route("r", "x.test", "", 1)).key());
        assertEquals("transport", assertThrows(ConfigProblem.class,
                () -> Route.parse("r", "x.test", " ", "h:25", 1)).key());
    }

    @Test
    void hopsDefaultToPort25AndKeepTheirOrder() {
        Route r = route("r", "x.test, y.test", "first, [::1]:2526", 1);
        assertEquals(List.of(new NextHop("first", 25), new NextHop("::1", 2526)), r.nextHops());
        assertEquals(List.of("x.test", "y.test"), r.patterns());
    }
}
