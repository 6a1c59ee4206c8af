package org.carrier.smtp.server.internal.auth;

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
}
