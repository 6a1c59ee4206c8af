package org.carrier.filter.spf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Macro expansion: the examples of RFC 7208 §7.4, and the address forms of the i and c macros. */
class MacroStringTest {
    /** RFC 7208 §7.4: strong-bad@email.example.com sending from 192.0.2.3. */
    private static final Map<Character, String> EXAMPLE = Map.of('s', "strong-bad@email.example.com", 'o', "email.example.com",
            'd', "email.example.com", 'l', "strong-bad", 'i', "192.0.2.3", 'v', "in-addr");

    @Test
    void rfc7208Examples() throws Exception {
        Map<String, String> examples = Map.ofEntries(
                Map.entry("%{s}", "strong-bad@email.example.com"), Map.entry("%{o}", "email.example.com"),
                Map.entry("%{d}", "email.example.com"), Map.entry("%{d4}", "email.example.com"),
                Map.entry("%{d3}", "email.example.com"), Map.entry("%{d2}", "example.com"), Map.entry("%{d1}", "com"),
                Map.entry("%{dr}", "com.example.email"), Map.entry("%{d2r}", "example.email"), Map.entry("%{l}", "strong-bad"),
                Map.entry("%{l-}", "strong.bad"), Map.entry("%{lr}", "strong-bad"), Map.entry("%{lr-}", "bad.strong"),
                Map.entry("%{l1r-}", "strong"), Map.entry("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
                Map.entry("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
                Map.entry("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
                Map.entry("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"),
                Map.entry("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"));
        for (Map.Entry<String, String> e : examples.entrySet()) {
            assertEquals(e.getValue(), MacroString.domainSpec(e.getKey()).expand(EXAMPLE::get), e.getKey());
        }
    }

    @Test
    void upperCaseLettersAreUrlEscapedAndEscapesExpand() throws Exception {
        assertEquals("a%2Fb%20c", MacroString.explanation("%{L}").expand(letter -> "a/b c"));
        assertEquals("100% sure_ %20", MacroString.explanation("100%% sure_%_%-").expand(letter -> ""));
    }

    @Test
    void syntaxErrorsAndLettersOutsideTheirPlaceArePermanentErrors() {
        for (String bad : new String[] {"%{x}.example.com", "%{d0}.example.com", "%(d).example.com", "foo%", "%{d", "example.-com",
                "museum", "%{c}.example.com", "%{d2:}.example.com", ""}) {
            SpfException e = assertThrows(SpfException.class, () -> MacroString.domainSpec(bad), bad);
            assertEquals(SpfResult.PERMERROR, e.result());
        }
    }

    @Test
    void addressForms() throws Exception {
        InetAddress v6 = InetAddress.getByName("2001:db8::cb01");
        // RFC 7208 §7.4 writes the nibbles in lower case; the OpenSPF suite expects upper case; DNS does not care.
        assertEquals("1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2",
                MacroString.domainSpec("%{ir}").expand(letter -> Names.dotted(v6)));
        assertEquals("2001:db8::cb01", Names.readable(v6));
        assertEquals("2001:db8:0:1:1:1:1:1", Names.readable(InetAddress.getByName("2001:db8:0:1:1:1:1:1")));
        assertEquals("2001:0:0:1::1", Names.readable(InetAddress.getByName("2001:0:0:1:0:0:0:1")));
        assertEquals("::", Names.readable(InetAddress.getByName("::")));
        assertEquals("192.0.2.3", Names.readable(InetAddress.getByName("192.0.2.3")));
    }

    @Test
    void longNamesLoseLabelsFromTheLeftAndInvalidOnesAreNoName() {
        String label = "a".repeat(60);
        // 255 characters: one label goes; 316: two go (the first removal leaves 255).
        assertEquals(String.join(".", label, label, label) + ".example.com",
                Names.valid(String.join(".", label, label, label, label) + ".example.com"));
        assertEquals(String.join(".", label, label, label) + ".example.com",
                Names.valid(String.join(".", label, label, label, label, label) + ".example.com"));
        assertEquals(null, Names.valid("a..example.com"));
        assertEquals(null, Names.valid("a".repeat(64) + ".example.com"));
        assertEquals("example.com", Names.valid("example.com."));
    }
}
