/**
 * Outbound TLS policy beyond a route's own {@code tls} setting: MTA-STS policies (RFC 8461) and the per-session
 * results that SMTP TLS Reporting (RFC 8460) reports on. The SMTP transport asks {@link MtaStsPolicies} for a
 * destination domain's policy and tells a {@link TlsResultRecorder} how each TLS attempt ended; both services are
 * optional, so a transport without them behaves as its routes say.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.tls;
