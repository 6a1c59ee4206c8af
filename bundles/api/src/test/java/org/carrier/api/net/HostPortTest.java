package org.carrier.api.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HostPortTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "relay.example.com:587 | relay.example.com | 587",
        "relay.example.com     | relay.example.com | 25",
        "192.0.2.1:2525        | 192.0.2.1         | 2525",
        "192.0.2.1             | 192.0.2.1         | 25",
        "[2001:db8::1]:587     | 2001:db8::1       | 587",
        "[2001:db8::1]         | 2001:db8::1       | 25",
        "2001:db8::1           | 2001:db8::1       | 25",
        "::1                   | ::1               | 25",
        "' host.test:26 '      | host.test         | 26"})
    void hostAndPortAsSettingsWriteThem(String text, String host, int port) {
        assertEquals(new HostPort(host, port), HostPort.parse(text, 25));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "host.test:abc     | not a port number in host.test:abc",
        "host.test:        | not a port number in host.test:",
        "host.test:70000   | port out of range: 70000",
        "host.test:0       | port out of range: 0",
        "[2001:db8::1      | missing ] in [2001:db8::1",
        "[2001:db8::1]587  | only :port may follow ] in [2001:db8::1]587",
        ":25               | 'not a host: \"\"'",
        "[]:25             | 'not a host: \"\"'",
        "exa mple:25       | 'not a host: \"exa mple\"'"})
    void aBadOneSaysWhatIsWrong(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text, 25)).getMessage());
    }

    @Test
    void withPortRequiredAHostAloneIsRefused() {
        assertEquals(new HostPort("::1", 2525), HostPort.parseWithPort("[::1]:2525"));
        assertEquals("no port in localhost (host:port or [IPv6]:port)",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parseWithPort("localhost")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> HostPort.parseWithPort("::1"));
    }

    @Test
    void printsWhatItParses() {
        assertEquals("[2001:db8::1]:587", new HostPort("2001:db8::1", 587).toString());
        assertEquals("mx.test:25", new HostPort("mx.test", 25).toString());
        assertEquals(new HostPort("2001:db8::1", 587), HostPort.parse(new HostPort("2001:db8::1", 587).toString(), 25));
    }

    @Test
    void knowsAnAddressLiteralFromAName() {
        assertTrue(new HostPort("192.0.2.1", 53).isAddressLiteral());
        assertTrue(new HostPort("::1", 53).isAddressLiteral());
        assertFalse(new HostPort("ns.example.com", 53).isAddressLiteral());
    }
}
