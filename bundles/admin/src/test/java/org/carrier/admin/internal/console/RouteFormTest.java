package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class RouteFormTest {

    private static Map<String, String> good() {
        Map<String, String> f = new HashMap<>();
        f.put("name", "partner");
        f.put("domains", "Partner.example , *.partner.example");
        f.put("transport", "SMTP");
        f.put("nextHops", "relay.partner.example:2525, [2001:db8::1]:25");
        f.put("port", "");
        f.put("tls", "verify");
        f.put("order", "10");
        return f;
    }

    private static RouteForm.Invalid refused(Map<String, String> fields) {
        return assertThrows(RouteForm.Invalid.class, () -> RouteForm.parse(fields::get));
    }

    @Test
    void aGoodFormIsNormalisedIntoTheRoutersProperties() {
        RouteForm form = RouteForm.parse(good()::get);
        assertEquals("partner.example, *.partner.example", form.domains());
        assertEquals("smtp", form.transport());
        assertEquals("relay.partner.example:2525, [2001:db8::1]:25", form.nextHops());
        assertEquals(Map.of("name", "partner", "domains", "partner.example, *.partner.example", "transport", "smtp",
                "nextHops", "relay.partner.example:2525, [2001:db8::1]:25", "port", 0, "tls", "verify", "order", 10), form.properties());
    }

    @Test
    void defaultsForTheOptionalFields() {
        Map<String, String> f = Map.of("name", "all", "domains", "*", "transport", "mx");
        RouteForm form = RouteForm.parse(f::get);
        assertEquals("dane", form.tls(), "an mx route's default since issue 16");
        assertEquals(100, form.order());
        assertEquals("", form.nextHops());
        Map<String, String> relay = Map.of("name", "relay", "domains", "*", "transport", "smtp", "nextHops", "relay.test");
        assertEquals("may", RouteForm.parse(relay::get).tls(), "other routes keep may");
    }

    @Test
    void eachBadFieldIsNamedWithWhatIsWrong() {
        Map<String, String> f = good();
        f.put("name", "../etc/passwd");
        f.put("domains", "exa mple..com");
        f.put("nextHops", "relay:smtp");
        f.put("tls", "sometimes");
        f.put("order", "first");
        f.put("port", "70000");
        RouteForm.Invalid e = refused(f);
        assertEquals(java.util.Set.of("name", "domains", "nextHops", "tls", "order", "port"), e.problems().keySet());
        assertTrue(e.problems().get("domains").contains("mple..com"), e.problems().toString());
        assertTrue(e.problems().get("nextHops").contains("not a port number"), e.problems().toString());
        assertTrue(e.problems().get("order").contains("not a whole number: first"));
        assertTrue(e.getMessage().startsWith("the route was not saved: name: "), e.getMessage());
    }

    @Test
    void listsFollowTheRoutersRuleCommasSeparateAndWhiteSpaceInsideAnElementIsRefused() {
        Map<String, String> f = good();
        f.put("domains", "exa mple.com");
        assertTrue(refused(f).problems().get("domains").startsWith("white space inside an element"),
                "a typo, not the two domains exa and mple.com: " + refused(f).problems());
        f.put("domains", "Example.com, ,*.example.org,");
        assertEquals("example.com, *.example.org", RouteForm.parse(f::get).domains(), "empty elements are ignored, as in the file");
        f.put("domains", "example..com");
        assertEquals("not a domain, *.domain or *: example..com", refused(f).problems().get("domains"));
    }

    @Test
    void theTransportDecidesWhetherNextHopsAreNeeded() {
        Map<String, String> f = good();
        f.put("nextHops", "");
        assertTrue(refused(f).problems().get("nextHops").contains("needs at least one next hop"));
        f.put("transport", "mx");
        f.put("nextHops", "relay:25");
        assertTrue(refused(f).problems().get("nextHops").contains("finds the MX hosts in DNS"));
        f.put("transport", "my-transport");
        assertEquals("my-transport", RouteForm.parse(f::get).transport(), "an installed transport's name takes next hops");
    }

    @Test
    void emptyRequiredFieldsAreRefused() {
        RouteForm.Invalid e = refused(Map.of());
        assertEquals(java.util.Set.of("name", "domains", "transport"), e.problems().keySet());
        assertTrue(e.problems().get("domains").contains("at least one domain"));
    }

    @Test
    void wildcardsOnlyAsAWholeOrAsTheFirstLabel() {
        for (String bad : new String[] {"*example.com", "a.*.example.com", "*.", "**", "-bad.example", "example.com-"}) {
            Map<String, String> f = good();
            f.put("domains", bad);
            assertTrue(refused(f).problems().containsKey("domains"), bad);
        }
    }
}
