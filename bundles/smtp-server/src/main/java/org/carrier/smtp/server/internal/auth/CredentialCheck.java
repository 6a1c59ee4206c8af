package org.carrier.smtp.server.internal.auth;

import java.util.Optional;

import org.carrier.api.auth.ScramCredential;

/** Whether a user name and password are right: the one thing a SASL mechanism asks of the users table. */
@FunctionalInterface
public interface CredentialCheck {
    /**
     * May take a while (password hashes are slow on purpose): call it off the network event loop.
     *
     * @param user     the authentication identity as sent (RFC 4616 authcid)
     * @param password the password as the UTF-8 octets sent; the caller clears it afterwards
     */
    boolean check(String user, byte[] password);

    /** The user's SCRAM-SHA-256 entry, for that mechanism; none by default. */
    default Optional<ScramCredential> scramSha256(String user) {
        return Optional.empty();
    }

    /** Whether SCRAM-SHA-256 would work for every user, so that it may be offered (a client may prefer it to PLAIN). */
    default boolean scramForEveryUser() {
        return false;
    }
}
