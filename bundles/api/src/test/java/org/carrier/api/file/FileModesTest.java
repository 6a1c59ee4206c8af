package org.carrier.api.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileModesTest {
    @TempDir
    Path dir;

    @Test
    void privateFoldersAre0700AndTheirFiles0600WhateverTheUmask() throws IOException {
        // the JVM's umask is the caller's (022 in a shell): the modes are given explicitly
        Path made = FileModes.PRIVATE.createFolders(dir.resolve("a/b/c"));
        for (Path p : new Path[] {dir.resolve("a"), dir.resolve("a/b"), made}) {
            assertEquals("rwx------", mode(p), p.toString());
        }
        Path file = made.resolve("f");
        try (FileChannel c = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                FileModes.PRIVATE.fileAttributes(made))) {
            c.write(java.nio.ByteBuffer.wrap(new byte[] {1}));
        }
        FileModes.PRIVATE.apply(file);
        assertEquals("rw-------", mode(file));
    }

    @Test
    void aSnapshotIsReplacedWholeInThePrivateMode() throws IOException {
        Path file = dir.resolve("state/sub/snapshot.tsv");
        Files.createDirectories(file.getParent());
        Files.writeString(file.resolveSibling("snapshot.tsv.tmp"), "a crash's leftover");
        FileModes.PRIVATE.replace(file, "first\n");
        FileModes.PRIVATE.replace(file, "second \u00e9\n");
        assertEquals("second \u00e9\n", Files.readString(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(Files.notExists(file.resolveSibling("snapshot.tsv.tmp")), "nothing left beside it");
        FileModes.PRIVATE.replace(dir.resolve("new/folder/file"), "x");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new/folder"))));
    }

    @Test
    void existingFoldersAreLeftAsTheyAre() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        FileModes.PRIVATE.createFolders(dir.resolve("x"));
        assertEquals("rwxr-xr-x", mode(dir));
    }

    @Test
    void aGroupModeIsGivenEvenWhereTheUmaskWouldTakeItAway() throws IOException {
        FileModes group = FileModes.ofFolderMode("0750");
        assertEquals("0750", group.folderMode());
        assertEquals("0640", group.fileMode());
        Path made = group.createFolders(dir.resolve("m/new"));
        assertEquals("rwxr-x---", mode(made));
        Path file = Files.createFile(made.resolve("f"), group.fileAttributes(made));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------")); // as umask 077 makes it
        group.apply(file);
        assertEquals("rw-r-----", mode(file));
    }

    @Test
    void badModesAreRefusedWithWhatIsExpected() {
        assertEquals("0700", FileModes.ofFolderMode("700").folderMode());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FileModes.ofFolderMode("0o750")).getMessage().contains("0750"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FileModes.ofFolderMode("0550")).getMessage().contains("owner"));
        assertThrows(IllegalArgumentException.class, () -> FileModes.ofFolderMode("0800"));
    }

    @Test
    void aSecretOthersCanReadIsNamedOnceAndAPrivateOneNot() throws IOException {
        Path secret = Files.writeString(dir.resolve("users.properties"), "alice = {bcrypt}...\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        Optional<String> warning = FileModes.exposedSecret(secret, "password hashes");
        assertEquals(Optional.of(secret + " is open to group or others (rw-r--r--); it holds password hashes: chmod 600 it"), warning);
        assertEquals(Optional.empty(), FileModes.exposedSecret(secret, "password hashes"), "once per file and mode");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        assertEquals(Optional.empty(), FileModes.exposedSecret(secret, "password hashes"));
        assertEquals(Optional.empty(), FileModes.exposedSecret(dir.resolve("missing"), "a key"));
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
