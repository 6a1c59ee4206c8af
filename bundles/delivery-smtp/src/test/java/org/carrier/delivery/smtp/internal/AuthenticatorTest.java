package org.carrier.delivery.smtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.carrier.api.route.TlsPolicy;
import org.carrier.api.route.TransportOptions;
import org.junit.jupiter.api.Test;

/** The safe rule: no password in the clear over a network (the delivery tests cover loopback and TLS). */
class AuthenticatorTest {

    @Test
    void credentialsAreNotSentInTheClearToANonLoopbackPeer() throws Exception {
        try (Watchdog watchdog = new Watchdog();
             ScriptedServer peer = new ScriptedServer("220 p", ScriptedServer.ehloThen(cmd -> "235 2.7.0 ok", "AUTH PLAIN"), null);
             PeerConnection connection = PeerConnection.connect("smarthost.test",
                     new InetSocketAddress(InetAddress.getLoopbackAddress(), peer.port()), 2_000, watchdog)) {
            connection.read(2_000);
            Extensions extensions = Extensions.of(connection.command("EHLO carrier.test", 2_000));
            HopFailure refused = assertThrows(HopFailure.class, () -> new Authenticator(2_000).authenticate(connection, extensions,
                    new TransportOptions(TlsPolicy.NONE, "relay", "s3cret"), false));
            assertEquals("4.7.10", refused.reply().enhancedStatus());
            assertEquals(0, peer.count("AUTH"), "the password never left");
        }
    }
}
