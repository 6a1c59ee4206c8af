package org.carrier.router.internal;

import java.nio.file.Path;

/** A lookup table file that cannot be used: names the file, the line and the problem. */
final class TableException extends Exception {
    private static final long serialVersionUID = 1L;

    TableException(Path file, int line, String problem) {
        super(file + (line > 0 ? ", line " + line : "") + ": " + problem);
    }
}
