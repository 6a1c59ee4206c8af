package org.carrier.smtp.server.internal.tls;

import java.io.IOException;
import java.nio.file.Path;

/** A certificate or key file that cannot be used: names the file and what is wrong with it, for the administrator. */
public class PemFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public PemFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public PemFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
