/**
 * Stored passwords: the one scheme of password hashes that the SMTP AUTH users table, the web console login and
 * bin/carrier-passwd read and write ({@link org.carrier.api.auth.PasswordHash}), with the SCRAM-SHA-256 credential
 * (RFC 5802, RFC 7677) that AUTH SCRAM-SHA-256 needs.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.auth;
