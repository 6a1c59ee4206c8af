package org.carrier.filter.dkim.internal;

import java.io.OutputStream;

/** One signature being verified: it takes the body as it streams by, then gives its verdict. */
interface PendingCheck {

    /** Where the body's bytes go; closed at the end of the body. */
    OutputStream bodySink();

    /** The verdict, once the body sink is closed. */
    Verification finish();

    /** A signature already decided before the body (broken syntax, unsupported algorithm, ...). */
    static PendingCheck decided(Verification verdict) {
        return new PendingCheck() {
            @Override
            public OutputStream bodySink() {
                return OutputStream.nullOutputStream();
            }

            @Override
            public Verification finish() {
                return verdict;
            }
        };
    }
}
