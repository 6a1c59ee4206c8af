/**
 * DMARC evaluations (RFC 7489) as the aggregate reports of §7.2 count them: the DMARC filter tells a
 * {@link DmarcEvaluationRecorder} the outcome of each evaluation whose policy asks for reports ({@code rua}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.dmarc;
