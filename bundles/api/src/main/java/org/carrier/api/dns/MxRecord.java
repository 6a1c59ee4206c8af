package org.carrier.api.dns;

import java.util.Objects;

/**
 * One MX resource record (RFC 1035 §3.3.9, RFC 5321 §5.1): lower preference is tried first.
 *
 * @param preference the preference value
 * @param host       the exchange host name, without the trailing dot; {@code ""} for a null MX (RFC 7505)
 */
public record MxRecord(int preference, String host) {
    public MxRecord {
        Objects.requireNonNull(host, "host");
    }

    /** Whether this is the null MX "0 ." by which a domain declares it accepts no mail (RFC 7505 §3). */
    public boolean isNullMx() {
        return host.isEmpty();
    }
}
