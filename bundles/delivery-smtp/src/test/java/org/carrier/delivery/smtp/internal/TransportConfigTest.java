package org.carrier.delivery.smtp.internal;

import static org.carrier.delivery.smtp.internal.Fixtures.MESSAGE;
import static org.carrier.delivery.smtp.internal.Fixtures.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.Map;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.transport.Outcome;
import org.junit.jupiter.api.Test;

/** The components apply changes live, and a broken change leaves the last good settings in force. */
class TransportConfigTest {

    @Test
    void aChangedHeloNameAppliesToTheNextConnection() throws Exception {
        SmtpTransport transport = new SmtpTransport();
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            transport.configure(config(SmtpTransport.Config.class, Map.of("heloName", "first.test", "maxMessagesPerConnection", 1)), Map.of());
            transport.deliver(request(MESSAGE, peer.port(), "a@r.test"));
            transport.configure(config(SmtpTransport.Config.class, Map.of("heloName", "second.test", "maxMessagesPerConnection", 1)), Map.of());
            assertEquals(Outcome.DELIVERED, transport.deliver(request(MESSAGE, peer.port(), "a@r.test")).get(0).outcome());
            assertEquals(2, peer.count("EHLO second.test") + peer.count("EHLO first.test"));
            assertEquals(1, peer.count("EHLO second.test"));
        } finally {
            transport.deactivate();
        }
    }

    @Test
    void aBrokenChangeKeepsTheLastGoodSettings() throws Exception {
        SmtpTransport transport = new SmtpTransport();
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            transport.configure(config(SmtpTransport.Config.class, Map.of("heloName", "good.test", "maxMessagesPerConnection", 1)), Map.of());
            transport.configure(config(SmtpTransport.Config.class, Map.of("heloName", "broken.test", "connectTimeoutSeconds", 0)),
                    Map.of("felix.fileinstall.filename", "file:/etc/carrier/org.carrier.delivery.smtp.cfg"));
            transport.configure(config(SmtpTransport.Config.class, Map.of("heloName", "broken.test", "tlsCaFile", "/nonexistent/ca.pem")),
                    Map.of());
            // as SCR hands a file's "banana" over: the method throws when called
            transport.configure(TypedConfig.of(SmtpTransport.Config.class, Map.of("heloName", "broken.test", "maxConnections", "banana")),
                    Map.of());
            assertEquals(Outcome.DELIVERED, transport.deliver(request(MESSAGE, peer.port(), "a@r.test")).get(0).outcome());
            assertEquals(1, peer.count("EHLO good.test"));
        } finally {
            transport.deactivate();
        }
    }

    @Test
    void theLmtpComponentSpeaksLmtp() throws Exception {
        LmtpTransport transport = new LmtpTransport();
        try (ScriptedServer peer = ScriptedServer.offering("PIPELINING")) {
            transport.configure(config(LmtpTransport.Config.class, Map.of("lhloName", "carrier.test")), Map.of());
            assertEquals(Outcome.DELIVERED, transport.deliver(request(MESSAGE, peer.port(), "a@r.test")).get(0).outcome());
            assertEquals("LHLO carrier.test", peer.commands.get(0));
        } finally {
            transport.deactivate();
        }
    }

    /** A configuration annotation with the given values and the declared defaults for the rest. */
    static <A> A config(Class<A> type, Map<String, Object> values) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) ->
                values.containsKey(method.getName()) ? values.get(method.getName())
                        : method.getName().equals("annotationType") ? type : method.getDefaultValue()));
    }
}
