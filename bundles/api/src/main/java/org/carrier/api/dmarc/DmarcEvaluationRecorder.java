package org.carrier.api.dmarc;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Takes each DMARC evaluation to report on (RFC 7489 §7.2). Called on the receiving session's thread: an
 * implementation counts in memory and never waits for I/O, and a failure of its own never reaches the session.
 */
@ConsumerType
public interface DmarcEvaluationRecorder {
    void record(DmarcEvaluation evaluation);
}
