package org.carrier.api.dns;

/**
 * What DNSSEC validation says of an answer (RFC 4035 §4.3). There is no "bogus" status: an answer that fails
 * validation is no answer at all, but a {@link DnsLookupException} of kind {@link DnsLookupException.Kind#TEMPORARY}
 * whose message starts "DNSSEC bogus:", so that no caller can treat it as insecure by mistake (RFC 7672 §2.1.1).
 */
public enum DnssecStatus {
    /** Validated from a trust anchor down a chain of signed delegations. */
    SECURE,
    /**
     * Proved to be outside any signed chain (an unsigned delegation with a signed proof that it has no DS), or not
     * validated at all ({@code dnssec = off}).
     */
    INSECURE
}
