package org.carrier.api.tls;

/** The {@code policy-type} of a TLS-RPT report entry (RFC 8460 §4.4). */
public enum TlsPolicyType {
    /** DANE: the destination's TLSA records (RFC 7672). */
    TLSA("tlsa"),
    /** An MTA-STS policy (RFC 8461). */
    STS("sts"),
    /** Neither applied. */
    NO_POLICY_FOUND("no-policy-found");

    private final String wireName;

    TlsPolicyType(String wireName) {
        this.wireName = wireName;
    }

    /** The value the report's JSON carries. */
    public String wireName() {
        return wireName;
    }
}
