package org.carrier.filter.milter.internal;

/**
 * Why a milter could not judge a message: it could not be reached, it did not answer in time, or it said something
 * the protocol does not allow. The filter then takes its {@code defaultAction} for the transaction.
 */
final class MilterFailure extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as the metrics count it. */
    enum Kind {
        UNREACHABLE("unreachable"), TIMEOUT("timeout"), BAD_INPUT("bad_input");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private final Kind kind;

    MilterFailure(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    static MilterFailure badInput(String message) {
        return new MilterFailure(Kind.BAD_INPUT, message);
    }

    Kind kind() {
        return kind;
    }
}
