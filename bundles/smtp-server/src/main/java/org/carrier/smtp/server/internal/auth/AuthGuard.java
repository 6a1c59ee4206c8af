package org.carrier.smtp.server.internal.auth;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;

import org.carrier.api.auth.ScramCredential;
import org.carrier.api.net.ClientNetwork;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.text.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops password guessing across sessions. The failure delay ({@link AuthFailureDelay}) alone does not: a correct
 * password is answered at once, so a guesser abandons any attempt that is slow and tries the next one on a new
 * connection. Here failures are counted per client network and per user name in an {@link AuthFailureTable};
 * over the {@link AuthLockout} limits, AUTH is refused with 454 4.7.0 before any password is checked, the right one
 * included. Trusted clients are neither counted nor locked out: they may relay without AUTH, and one of them (a
 * webmail front end) speaks for many users, who must not lose their logins to someone guessing from elsewhere.
 * <p>
 * The password hash work running at once is capped too, at half the cores, so that guessing from many addresses
 * (each below the limits) cannot take the CPU that receiving mail needs.
 */
public final class AuthGuard {
    private static final Logger LOG = LoggerFactory.getLogger(AuthGuard.class);
    /** User names longer than this are counted by their start: the table's keys stay small. */
    private static final int MAX_USER_KEY = 256;

    private final AuthFailureTable table;
    private final Semaphore hashing;

    public AuthGuard(AuthFailureTable table, int concurrentChecks) {
        this.table = table;
        this.hashing = new Semaphore(concurrentChecks, true);
    }

    /** Half the cores (at least one) check passwords at once; the rest stay free for mail. */
    public static int defaultConcurrentChecks() {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** 454 4.7.0 if this client may not try AUTH now; empty if it may. */
    public Optional<SmtpReply> refuse(InetAddress client, boolean trusted) {
        return !trusted && table.lockedOut(clientKey(client)) ? Optional.of(AuthReplies.LOCKED_OUT) : Optional.empty();
    }

    /**
     * The users table as one exchange of this client sees it: a locked-out client or user name gets
     * {@link LockedOut} instead of a password check, and checks wait for a free hashing slot.
     */
    public CredentialCheck guard(CredentialCheck users, InetAddress client, boolean trusted) {
        return new CredentialCheck() {
            @Override
            public boolean check(String user, byte[] password) {
                refuseLockedOut(client, user, trusted);
                hashing.acquireUninterruptibly();
                try {
                    // Again: parallel sessions wait here, and a lockout may have begun meanwhile.
                    refuseLockedOut(client, user, trusted);
                    return users.check(user, password);
                } finally {
                    hashing.release();
                }
            }

            @Override
            public Optional<ScramCredential> scramSha256(String user) {
                refuseLockedOut(client, user, trusted);
                return users.scramSha256(user);
            }

            @Override
            public boolean scramForEveryUser() {
                return users.scramForEveryUser();
            }
        };
    }

    private void refuseLockedOut(InetAddress client, String user, boolean trusted) {
        if (!trusted && (table.lockedOut(clientKey(client)) || table.lockedOut(userKey(user)))) {
            throw new LockedOut();
        }
    }

    /** Counts a failed AUTH (535) of an untrusted client; logs once when it locks the client or the user name out. */
    public void recordFailure(InetAddress client, String user, boolean trusted, AuthLockout policy) {
        if (trusted) {
            return;
        }
        String network = ClientNetwork.of(client);
        if (table.recordFailure(clientKey(client), policy.perClient(), policy.window(), policy.duration())) {
            LOG.warn("AUTH locked out for client [{}] for {} s: {} failures within {} s", network,
                    policy.duration().toSeconds(), policy.perClient(), policy.window().toSeconds());
        }
        if (user != null && table.recordFailure(userKey(user), policy.perUser(), policy.window(), policy.duration())) {
            String shown = user.length() > MAX_USER_KEY ? user.substring(0, MAX_USER_KEY) : user; // a user name as sent: any text
            LOG.warn("AUTH locked out for user {} for {} s: {} failures within {} s (last from [{}])", Printable.text(shown),
                    policy.duration().toSeconds(), policy.perUser(), policy.window().toSeconds(), network);
        }
    }

    private static String clientKey(InetAddress client) {
        return "client:" + ClientNetwork.of(client);
    }

    private static String userKey(String user) {
        String name = user == null ? "" : user.toLowerCase(Locale.ROOT);
        return "user:" + (name.length() > MAX_USER_KEY ? name.substring(0, MAX_USER_KEY) : name);
    }

    /** Thrown by a guarded {@link CredentialCheck} instead of checking: the exchange ends with {@link AuthReplies#LOCKED_OUT}. */
    public static final class LockedOut extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LockedOut() {
            super("locked out", null, false, false);
        }
    }
}
