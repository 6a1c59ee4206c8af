package org.carrier.tlsreport.internal;

import java.net.InetAddress;
import java.util.Objects;

import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsSessionResult;

/**
 * One {@code failure-details[]} entry of a report (RFC 8460 §4.4): failed sessions alike in type, addresses, MX host
 * and reason are counted together.
 *
 * @param type          {@code result-type}
 * @param sendingIp     {@code sending-mta-ip}, or {@code null}
 * @param receivingMx   {@code receiving-mx-hostname}, or {@code null}
 * @param receivingIp   {@code receiving-ip}, or {@code null}
 * @param reason        {@code failure-reason-code}, or {@code null}
 */
record FailureKey(TlsFailureType type, String sendingIp, String receivingMx, String receivingIp, String reason) {
    /** The longest {@code failure-reason-code} kept: a free-text detail, not a log. */
    static final int MAX_REASON = 200;

    FailureKey {
        Objects.requireNonNull(type, "type");
    }

    static FailureKey of(TlsSessionResult result) {
        // an MTA-STS policy that could not be fetched tried no MX host (mxHost ""): the field is left out (RFC 8460 §4.4)
        return new FailureKey(result.failure(), address(result.sendingIp()), result.mxHost().isBlank() ? null : result.mxHost(),
                address(result.receivingIp()), reason(result.failureReason()));
    }

    /** The entry that takes the failures of a policy beyond the number of distinct entries kept: the type alone. */
    FailureKey typeOnly() {
        return new FailureKey(type, null, null, null, null);
    }

    private static String address(InetAddress address) {
        return address == null ? null : address.getHostAddress();
    }

    private static String reason(String reason) {
        if (reason == null || reason.isBlank()) {
            return null;
        }
        String line = reason.strip().replaceAll("[\\p{Cntrl}]+", " ");
        return line.length() <= MAX_REASON ? line : line.substring(0, MAX_REASON);
    }
}
