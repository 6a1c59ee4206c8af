package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.api.Test;

class PathArgumentTest {

    private static String address(String arg) throws PathArgument.SyntaxException {
        return PathArgument.parse(arg, true, "localhost").address().toString();
    }

    @Test
    void acceptsTheForms5321Allows() throws Exception {
        assertEquals("user@example.com", address("<user@example.com>"));
        assertEquals("user@example.com", address(" <user@Example.COM>"));
        assertEquals("\"john doe\"@example.com", address("<\"john doe\"@example.com>"));
        assertEquals("\"a>b\"@example.com", address("<\"a>b\"@example.com>"));
        assertEquals("first.last+tag@example.com", address("<first.last+tag@example.com>"));
        assertEquals("user@[192.0.2.1]", address("<user@[192.0.2.1]>"));
        assertEquals("user@[ipv6:2001:db8::1]", address("<user@[IPv6:2001:db8::1]>"));
        assertEquals("user@example.com", address("<@relay.one,@relay.two:user@example.com>"), "source route ignored");
        assertEquals("postmaster@localhost", address("<Postmaster>"));
        assertNull(PathArgument.parse("<>", true, null).address());
    }

    @Test
    void parametersAreKeywordValuePairsWithUpperCaseKeywords() throws Exception {
        assertEquals(Map.of("SIZE", "1000", "BODY", "8BITMIME"), PathArgument.parse("<a@b.test> size=1000 BODY=8BITMIME", true, null).parameters());
        assertEquals(Map.of("SMTPUTF8", ""), PathArgument.parse("<a@b.test> SMTPUTF8", true, null).parameters());
    }

    @Test
    void refusesWhatIsNotAnAddress() {
        for (String bad : new String[] {"user@example.com", "<user@example.com", "<user>", "<@example.com>", "<user@>",
                "<us er@example.com>", "<user..x@example.com>", "<user@exa_mple.com>", "<user@-example.com>", "<a@b.test> =x"}) {
            assertThrows(PathArgument.SyntaxException.class, () -> PathArgument.parse(bad, true, null), bad);
        }
        assertThrows(PathArgument.SyntaxException.class, () -> PathArgument.parse("<>", false, null), "no null recipient");
        assertThrows(PathArgument.SyntaxException.class, () -> PathArgument.parse("<postmaster>", true, null),
                "postmaster without a domain only where allowed (RCPT)");
    }
}
