package org.carrier.filter.dkim.internal;

import java.time.Duration;

/**
 * How strict verification is.
 *
 * @param maxSignatures   signatures verified per message (more are reported as permerror without a key lookup)
 * @param allowRsaSha1    accept rsa-sha1, which RFC 8301 §3.1 says verifiers must not
 * @param minRsaKeyBits   the smallest RSA key accepted (RFC 8301 §3.2: 1024)
 * @param legacy          also verify pre-RFC 6376 forms: draft signatures without v=, the key record's g= tag
 *                        (RFC 4871) and DomainKey-Signature fields (RFC 4870, historic)
 * @param keyLookupTimeout how long to wait for a key record
 */
record VerifierSettings(int maxSignatures, boolean allowRsaSha1, int minRsaKeyBits, boolean legacy, Duration keyLookupTimeout) {
}
