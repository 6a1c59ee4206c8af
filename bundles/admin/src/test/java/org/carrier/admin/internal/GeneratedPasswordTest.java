package org.carrier.admin.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratedPasswordTest {
    @TempDir
    Path temp;

    @Test
    void thePasswordGoesToAnOwnerOnlyFileAndOnceToTheTerminal() throws Exception {
        Path file = temp.resolve("data/console-password");
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        GeneratedPassword generated = new GeneratedPassword(file, new PrintStream(terminal, true, StandardCharsets.UTF_8));
        assertTrue(generated.write("admin", "Secret23"));
        assertEquals("Secret23\n", Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(terminal.toString(StandardCharsets.UTF_8).contains("admin: Secret23"));
        try (var left = Files.list(file.getParent())) {
            assertEquals(1, left.count(), "no temporary file is left");
        }
        generated.delete();
        assertFalse(Files.exists(file));
    }

    @Test
    void aFileThatCannotBeWrittenSaysSo() throws Exception {
        Path blocked = temp.resolve("a-file");
        Files.writeString(blocked, "");
        assertFalse(new GeneratedPassword(blocked.resolve("console-password"), null).write("admin", "Secret23"));
    }
}
