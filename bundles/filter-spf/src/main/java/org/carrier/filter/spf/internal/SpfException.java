package org.carrier.filter.spf.internal;

/**
 * Ends check_host() early with {@link SpfResult#PERMERROR} (a broken record, a limit exceeded) or
 * {@link SpfResult#TEMPERROR} (a DNS failure, RFC 7208 §2.6.6-7), and says why.
 */
final class SpfException extends Exception {
    private static final long serialVersionUID = 1L;

    private final SpfResult result;

    private SpfException(SpfResult result, String problem) {
        super(problem, null, false, false);
        this.result = result;
    }

    static SpfException permanent(String problem) {
        return new SpfException(SpfResult.PERMERROR, problem);
    }

    static SpfException temporary(String problem) {
        return new SpfException(SpfResult.TEMPERROR, problem);
    }

    SpfResult result() {
        return result;
    }
}
