package org.carrier.api.tls;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Takes the result of each outbound TLS attempt for SMTP TLS Reporting (RFC 8460). The SMTP transport calls it once
 * per attempt to an MX host of a domain; the recorder keeps the counts durably and reports them daily.
 */
@ProviderType
public interface TlsResultRecorder {

    /**
     * Records one result. Called on a delivery thread, so it must be cheap and must not block on I/O; it never throws.
     */
    void record(TlsSessionResult result);
}
