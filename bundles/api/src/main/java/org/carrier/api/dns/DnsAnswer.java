package org.carrier.api.dns;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A DNS answer with its DNSSEC status. An answer that the name does not exist (NXDOMAIN) or has no records of the
 * type (NODATA) is an empty {@code DnsAnswer}, not an exception, for these lookups: whether that denial of existence
 * is itself {@link DnssecStatus#SECURE} is what DANE needs to know (RFC 7672 §2.2).
 *
 * @param records the records (empty for NXDOMAIN or NODATA), never null
 * @param status  whether the answer (or its denial) validated
 * @param ttl     the least TTL of the records used, or of the negative answer (RFC 2308 §5): how long it may be cached
 * @param <T>     the kind of record
 */
public record DnsAnswer<T>(List<T> records, DnssecStatus status, Duration ttl) {
    public DnsAnswer {
        records = List.copyOf(records);
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(ttl, "ttl");
    }

    /** Whether the answer validated as {@link DnssecStatus#SECURE}. */
    public boolean secure() {
        return status == DnssecStatus.SECURE;
    }

    /** Whether there are no records (NXDOMAIN or NODATA). */
    public boolean isEmpty() {
        return records.isEmpty();
    }
}
