package org.carrier.filter.dkim.internal;

/** Why a signature could not be verified: a permanent or temporary error, or a failed check (RFC 8601 §2.7.1). */
final class DkimException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Outcome outcome;

    private DkimException(Outcome outcome, String reason) {
        super(reason);
        this.outcome = outcome;
    }

    /** The signature or key cannot be used as it is (syntax, unsupported algorithm, revoked key, ...). */
    static DkimException permerror(String reason) {
        return new DkimException(Outcome.PERMERROR, reason);
    }

    /** The key could not be fetched for now (DNS timeout or SERVFAIL). */
    static DkimException temperror(String reason) {
        return new DkimException(Outcome.TEMPERROR, reason);
    }

    /** The signature was checked and does not match. */
    static DkimException fail(String reason) {
        return new DkimException(Outcome.FAIL, reason);
    }

    Outcome outcome() {
        return outcome;
    }
}
