package org.carrier.delivery.smtp.internal;

import java.io.IOException;

/**
 * A greeted connection, ready for mail transactions: the peer's extensions after EHLO (after STARTTLS,
 * those of the second EHLO, RFC 3207 §4.2), and how often and when it was last used, for reuse.
 */
final class Session {
    private final PeerConnection connection;
    private final Extensions extensions;
    private final boolean authenticated;
    private int transactions;
    private long lastUsed = System.nanoTime();

    Session(PeerConnection connection, Extensions extensions) {
        this(connection, extensions, false);
    }

    /** @param authenticated whether the session's TLS was authenticated (see {@link #authenticated()}) */
    Session(PeerConnection connection, Extensions extensions, boolean authenticated) {
        this.connection = connection;
        this.extensions = extensions;
        this.authenticated = authenticated;
    }

    /**
     * Whether the session runs over TLS whose peer was authenticated: by DANE (RFC 7672), by the PKIX check an MTA-STS
     * {@code enforce} policy asks for (RFC 8461 §4.2), or by {@code tls = verify}. REQUIRETLS (RFC 8689 §4.2.1) may use
     * only such sessions.
     */
    boolean authenticated() {
        return authenticated;
    }

    PeerConnection connection() {
        return connection;
    }

    Extensions extensions() {
        return extensions;
    }

    String remote() {
        return connection.remote();
    }

    int transactions() {
        return transactions;
    }

    void transactionDone() {
        transactions++;
        lastUsed = System.nanoTime();
    }

    boolean idleLongerThan(long millis) {
        return System.nanoTime() - lastUsed > millis * 1_000_000;
    }

    /** Ends politely (RFC 5321 §4.1.1.10) and closes; the reply, if any, changes nothing. */
    void quit(int timeoutMillis) {
        try {
            connection.command("QUIT", timeoutMillis);
        } catch (IOException e) {
            // the transactions are decided; a failed QUIT changes nothing
        } finally {
            connection.close();
        }
    }

    /** Sends QUIT without waiting for the reply, for idle connections closed from the timer thread. */
    void quitNow() {
        try {
            connection.write("QUIT");
            connection.flush(1_000);
        } catch (IOException e) {
            // closing anyway
        } finally {
            connection.close();
        }
    }
}
