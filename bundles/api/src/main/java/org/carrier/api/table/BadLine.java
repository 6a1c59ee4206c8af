package org.carrier.api.table;

/** A line that makes a table file unusable; the message says what is wrong with it. */
public final class BadLine extends Exception {
    private static final long serialVersionUID = 1L;
    private final int line;

    public BadLine(int line, String problem) {
        super(problem);
        this.line = line;
    }

    /** The line number, from 1. */
    public int line() {
        return line;
    }
}
