package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.MailAddress;
import org.carrier.api.route.Destination;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.TlsPolicy;
import org.carrier.api.route.TransportOptions;
import org.junit.jupiter.api.Test;

/** What each kind of route decides, and how invalid settings are named. */
class RouteKindsTest {
    private static final MailAddress BOB = MailAddress.parse("bob@x.test");

    private static Route.Settings settings(String transport, String hops) {
        return Route.Settings.of("r", "x.test", transport, hops, 1);
    }

    private static RouteDecision decide(Route.Settings s) {
        return Route.parse(s).decide(BOB, null);
    }

    @Test
    void relayWithAuthAndTlsPolicy() {
        RouteDecision d = decide(new Route.Settings("r", "x.test", "smtp", "relay.example:587", 0, "verify", "user", "secret", 550, "", 1));
        assertEquals(List.of(new NextHop("relay.example", 587)), d.nextHops());
        assertEquals(new TransportOptions(TlsPolicy.VERIFY, "user", "secret"), d.options());
        assertEquals("tls=VERIFY auth=user", d.options().toString(), "the password never reaches a log");
    }

    @Test
    void lmtpDefaultsToPort24() {
        RouteDecision d = decide(settings("LMTP", "dovecot.local"));
        assertEquals("lmtp", d.transport());
        assertEquals(List.of(new NextHop("dovecot.local", 24)), d.nextHops());
    }

    @Test
    void localAndDiscardAreAcceptedHereHoldStaysQueued() {
        assertEquals(Destination.LOCAL, decide(settings("local", "")).destination());
        RouteDecision discard = decide(settings("discard", ""));
        assertEquals(Destination.LOCAL, discard.destination());
        assertEquals("discard", discard.transport());
        assertEquals("hold", decide(settings("hold", "")).transport());
        assertEquals("custom", decide(settings("custom", "h:1")).transport());
    }

    @Test
    void rejectUsesItsCodeAndText() {
        RouteDecision d = decide(new Route.Settings("r", "x.test", "reject", "", 0, "may", "", "", 554, "5.7.1 we do not serve x.test", 1));
        assertEquals(Destination.REFUSED, d.destination());
        assertEquals("554 5.7.1 we do not serve x.test", d.refusal().toString());
        assertEquals("550 5.7.1 mail for this domain is not accepted", decide(settings("reject", "")).refusal().toString());
        assertEquals(450, decide(new Route.Settings("r", "x.test", "reject", "", 0, "may", "", "", 450, "", 1)).refusal().code());
    }

    @Test
    void invalidSettingsNameTheirField() {
        assertEquals("tls", field(new Route.Settings("r", "x.test", "smtp", "h", 0, "sometimes", "", "", 550, "", 1)));
        assertEquals("authPassword", field(new Route.Settings("r", "x.test", "smtp", "h", 0, "may", "u", "", 550, "", 1)));
        assertEquals("tls", field(new Route.Settings("r", "x.test", "smtp", "h", 0, "none", "u", "p", 550, "", 1)));
        assertEquals("rejectCode", field(new Route.Settings("r", "x.test", "reject", "", 0, "may", "", "", 250, "", 1)));
        assertEquals("rejectText", field(new Route.Settings("r", "x.test", "reject", "", 0, "may", "", "", 550, "4.7.1 later", 1)));
        assertEquals("port", field(new Route.Settings("r", "x.test", "mx", "", 70000, "may", "", "", 550, "", 1)));
        assertEquals("nextHops", field(settings("lmtp", "")));
        assertEquals("nextHops", field(settings("mx", "mx.example:25")));
    }

    private static String field(Route.Settings s) {
        return assertThrows(ConfigProblem.class, () -> Route.parse(s)).key();
    }
}
