package org.carrier.tools.sendmail;

/** Why bin/sendmail gave up, with the exit status it ends with (sysexits.h, as sendmail programs use). */
final class SubmitFailure extends Exception {
    private static final long serialVersionUID = 1L;
    /** EX_USAGE: bad options or no recipients. */
    static final int USAGE = 64;
    /** EX_DATAERR: the message was refused. */
    static final int DATA = 65;
    /** EX_NOUSER: a recipient was refused for good. */
    static final int NO_USER = 67;
    /** EX_UNAVAILABLE: Carrier is not running. */
    static final int UNAVAILABLE = 69;
    /** EX_IOERR: reading the message or talking to Carrier broke off. */
    static final int IO = 74;
    /** EX_TEMPFAIL: Carrier said try again later (4xx). */
    static final int TEMPORARY = 75;

    private final int exitStatus;

    SubmitFailure(int exitStatus, String message) {
        super(message, null, false, false);
        this.exitStatus = exitStatus;
    }

    int exitStatus() {
        return exitStatus;
    }
}
