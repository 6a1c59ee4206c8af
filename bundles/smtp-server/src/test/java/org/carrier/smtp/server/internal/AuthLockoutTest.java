package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

import org.carrier.smtp.server.internal.auth.AuthFailureDelay;
import org.carrier.api.auth.PasswordHash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AUTH lockout through a real listener: failures across sessions lock the client's address out, not other addresses. */
class AuthLockoutTest {
    private final TestServices services = new TestServices(new AuthFailureDelay(Duration.ofMillis(10), Duration.ofMillis(20),
            Duration.ofMinutes(1), 100, Clock.systemUTC()));
    private SmtpListener listener;
    @TempDir
    Path temp;

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
    }

    private int start() throws Exception {
        Path users = temp.resolve("users.properties");
        Files.writeString(users, "alice = " + PasswordHash.bcrypt("secret".getBytes(StandardCharsets.UTF_8), 4) + "\n");
        listener = new SmtpListener(TestSettings.of("usersFile", users.toString(), "requireTlsForAuth", false,
                "trustedNetworks", "127.0.0.1/32", "authFailuresPerClient", 4), services);
        return listener.port();
    }

    /** One session from {@code from}: EHLO, then AUTH PLAIN; returns the AUTH reply. */
    private static String auth(InetAddress from, int port, String password) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            Clients.readLine(s.getInputStream());
            s.getOutputStream().write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            while (Clients.readLine(s.getInputStream()).startsWith("250-")) {
                // the rest of the EHLO reply
            }
            String token = Base64.getEncoder().encodeToString(("\0alice\0" + password).getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().write(("AUTH PLAIN " + token + "\r\n").getBytes(StandardCharsets.US_ASCII));
            return Clients.readLine(s.getInputStream());
        }
    }

    @Test
    void failuresAcrossSessionsLockTheAddressOutAndTheRightPasswordIsRefusedToo() throws Exception {
        int port = start();
        InetAddress guesser = InetAddress.getByName("127.0.0.2");
        for (int i = 0; i < 4; i++) {
            String reply = auth(guesser, port, "guess" + i);
            assertTrue(reply.startsWith("535 5.7.8"), "guess " + i + ": " + reply);
        }
        String locked = auth(guesser, port, "guess5");
        assertTrue(locked.startsWith("454 4.7.0"), locked);
        String right = auth(guesser, port, "secret");
        assertTrue(right.startsWith("454 4.7.0"), "the right password is refused during the lockout: " + right);
        String other = auth(InetAddress.getByName("127.0.0.3"), port, "secret");
        assertTrue(other.startsWith("235 2.7.0"), "another address still logs in: " + other);
    }
}
