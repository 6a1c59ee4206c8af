package org.carrier.smtp.server.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** Lockouts by client network and by user name, trusted clients left alone, and the cap on password checks at once. */
class AuthGuardTest {
    private static final AuthLockout POLICY = new AuthLockout(3, 5, Duration.ofMinutes(10), Duration.ofMinutes(15));
    private final AuthGuard guard = new AuthGuard(new MemoryAuthFailureTable(), 2);
    private final CredentialCheck users = (user, password) -> user.equals("alice") && new String(password).equals("right");

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void aClientOverTheLimitIsRefusedEvenWithTheRightPassword() throws Exception {
        InetAddress guesser = ip("192.0.2.1");
        for (int i = 0; i < 3; i++) {
            guard.recordFailure(guesser, "alice", false, POLICY);
        }
        assertEquals(AuthReplies.LOCKED_OUT, guard.refuse(guesser, false).orElseThrow());
        assertThrows(AuthGuard.LockedOut.class, () -> guard.guard(users, guesser, false).check("alice", "right".getBytes()));
        assertTrue(guard.refuse(ip("192.0.2.2"), false).isEmpty(), "another address may still try");
        assertTrue(guard.guard(users, ip("192.0.2.2"), false).check("alice", "right".getBytes()));
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64() throws Exception {
        for (int i = 1; i <= 3; i++) {
            guard.recordFailure(ip("2001:db8:1:2::" + i), "alice", false, POLICY);
        }
        assertTrue(guard.refuse(ip("2001:db8:1:2::ffff"), false).isPresent(), "the whole /64 is locked out");
        assertTrue(guard.refuse(ip("2001:db8:1:3::1"), false).isEmpty());
    }

    @Test
    void aUserNameGuessedFromManyAddressesIsLockedOutForUntrustedClients() throws Exception {
        for (int i = 1; i <= 5; i++) {
            guard.recordFailure(ip("192.0.2." + i), "Alice", false, POLICY);
        }
        assertThrows(AuthGuard.LockedOut.class, () -> guard.guard(users, ip("198.51.100.1"), false).check("alice", "right".getBytes()));
        assertTrue(guard.guard(users, ip("198.51.100.1"), false).check("bob", "x".getBytes()) == false, "other users are checked");
        assertTrue(guard.guard(users, ip("10.0.0.1"), true).check("alice", "right".getBytes()), "a trusted client is not locked out");
    }

    @Test
    void failuresOfTrustedClientsAreNotCounted() throws Exception {
        for (int i = 0; i < 10; i++) {
            guard.recordFailure(ip("10.0.0.1"), "alice", true, POLICY);
        }
        assertTrue(guard.refuse(ip("10.0.0.1"), false).isEmpty());
        assertTrue(guard.guard(users, ip("192.0.2.1"), false).check("alice", "right".getBytes()));
    }

    @Test
    void atMostTheConfiguredNumberOfPasswordChecksRunAtOnce() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CredentialCheck slow = (user, password) -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            return false;
        };
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> checks = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                InetAddress client = ip("192.0.2." + (i + 1));
                checks.add(threads.submit(() -> guard.guard(slow, client, false).check("alice", "x".getBytes())));
            }
            for (Future<Boolean> check : checks) {
                check.get(10, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(2, most.get(), "two checks at once, no more");
    }
}
