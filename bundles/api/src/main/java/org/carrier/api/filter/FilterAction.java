package org.carrier.api.filter;

/**
 * What a filter decides at one stage of an SMTP session.
 */
public enum FilterAction {
    /** No objection: the next filter in the chain runs. */
    CONTINUE,
    /** Accept at this stage: the remaining filters of this stage are skipped. */
    ACCEPT,
    /** Refuse permanently with a 5xx reply (RFC 5321 §4.2.1). */
    REJECT,
    /** Refuse for now with a 4xx reply; the client is expected to retry. */
    TEMPFAIL,
    /** Answer as if accepted, but drop the message. */
    DISCARD,
    /** Accept the message but keep it on hold in the queue until an operator releases it. */
    HOLD
}
