package org.carrier.admin.internal.shell;

/**
 * A command that could not do what it was asked (an unknown queue ID, a bad option). The shell shows its message
 * alone, without a stack trace, and {@code bin/carrier shell} exits with a non-zero status.
 */
public class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CommandFailure(String message) {
        super(message, null, false, false);
    }

    /** The Gogo console prints a command's exception as its toString: the message alone reads best there. */
    @Override
    public String toString() {
        return getMessage();
    }
}
