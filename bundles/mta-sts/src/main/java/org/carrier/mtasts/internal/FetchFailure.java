package org.carrier.mtasts.internal;

import org.carrier.api.tls.TlsFailureType;

/** Why a policy could not be fetched or used, as TLS-RPT names it (RFC 8460 §4.3.2.2), with the detail for the log. */
final class FetchFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final TlsFailureType type;

    FetchFailure(TlsFailureType type, String reason) {
        super(reason);
        this.type = type;
    }

    TlsFailureType type() {
        return type;
    }
}
