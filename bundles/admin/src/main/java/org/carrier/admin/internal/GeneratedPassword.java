package org.carrier.admin.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.carrier.api.file.FileModes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a generated web console password is shown: a file only its owner can read (0600), never the log, which
 * others read and which is kept and copied around. Started on a terminal, Carrier also prints it there once,
 * past the logger.
 */
final class GeneratedPassword {
    private static final Logger LOG = LoggerFactory.getLogger(GeneratedPassword.class);

    private final Path file;
    private final PrintStream terminal;

    /** @param terminal where to print the password once as well, or null (not started on a terminal) */
    GeneratedPassword(Path file, PrintStream terminal) {
        this.file = file;
        this.terminal = terminal;
    }

    GeneratedPassword(Path file, boolean onTerminal) {
        this(file, onTerminal ? System.out : null);
    }

    Path file() {
        return file;
    }

    /**
     * Writes {@code password} to the file, created 0600 before anything is in it and moved into place whole; false
     * (with the reason logged) when that fails, and then the password must not be put in force.
     */
    boolean write(String user, String password) {
        Path folder = file.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            FileModes.PRIVATE.createFolders(folder);
            temporary = Files.createTempFile(folder, ".console-password", ".tmp", FileModes.PRIVATE.fileAttributes(folder));
            Files.writeString(temporary, password + "\n", StandardCharsets.US_ASCII);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.error("cannot write the generated web console password to {}: {}; no password is set, the next start tries again",
                    file, e.toString());
            deleteQuietly(temporary);
            return false;
        }
        LOG.warn("web console password generated for user {}: it is in {} (readable by this user only; delete the file once noted)",
                user, file);
        if (terminal != null) {
            terminal.println("Carrier: web console password for user " + user + ": " + password + "  (also in " + file + ")");
            terminal.flush();
        }
        return true;
    }

    /** Removes the file, once the password it shows no longer works. */
    void delete() {
        try {
            if (Files.deleteIfExists(file)) {
                LOG.info("deleted {}: the generated web console password was replaced", file);
            }
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", file, e.toString());
        }
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // nothing was written into it that matters
            }
        }
    }
}
