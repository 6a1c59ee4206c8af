package org.carrier.api.dns;

/**
 * A DNS lookup that gave no answer. {@link #kind()} separates a definite answer that the name or
 * data does not exist (a permanent condition) from a failure to get any answer (retry later).
 * <p>
 * It carries no stack trace: it is an answer of the DNS, and where it was made tells nothing. Filling one in would
 * cost CPU at each delivery to an MX host without an IPv6 address, which answers "no such record".
 */
public class DnsLookupException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the lookup gave no records. */
    public enum Kind {
        /** The name does not exist (NXDOMAIN, RFC 1035 §4.1.1 RCODE 3). */
        NAME_NOT_FOUND,
        /** The name exists but has no records of the requested type (NODATA, RFC 2308 §2.2). */
        NO_DATA,
        /** No usable answer: timeout, SERVFAIL, network trouble. The same lookup may succeed later. */
        TEMPORARY
    }

    private final Kind kind;

    public DnsLookupException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
