package org.carrier.queue.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;

import org.carrier.api.queue.QueueUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that fills up between two free-space checks: the kernel's ENOSPC on a queue file write is refused like low
 * space (452 4.3.1), not as a queue error. The writes go to Linux's /dev/full, whose every write fails with ENOSPC
 * ("No space left on device"), through a queue file that is a symbolic link to it.
 */
class FullDiskTest {
    @TempDir
    Path dir;

    private SpoolIncomingMessage onFullDisk() throws IOException {
        Path file = Files.createSymbolicLink(dir.resolve("ID1.msg"), Path.of("/dev/full"));
        return new SpoolIncomingMessage("ID1", file, file.resolveSibling("ID1.edit"), (m, envelope, headers, hold) -> fail("nothing is committed"));
    }

    private static void assertInsufficientStorage(QueueUnavailableException refusal) {
        assertEquals(452, refusal.reply().code());
        assertEquals("4.3.1", refusal.reply().enhancedStatus());
        assertTrue(refusal.getCause().getMessage().contains("No space left on device"), refusal.getCause().toString());
    }

    @Test
    void aContentWriteOnAFullDiskIsTheLowSpaceRefusal() throws IOException {
        SpoolIncomingMessage message = onFullDisk();
        OutputStream out = message.content();
        assertInsufficientStorage(assertThrows(QueueUnavailableException.class, () -> {
            out.write(new byte[200_000]); // more than the stream buffers: it must reach the file
            out.flush();
        }));
        message.close();
        assertFalse(Files.exists(dir.resolve("ID1.msg"), LinkOption.NOFOLLOW_LINKS), "the link is removed, not /dev/full");
        assertTrue(Files.exists(Path.of("/dev/full")));
    }

    @Test
    void sealingOnAFullDiskIsTheLowSpaceRefusal() throws IOException {
        SpoolIncomingMessage message = onFullDisk();
        message.content().write("Subject: small\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)); // only buffered
        assertInsufficientStorage(assertThrows(QueueUnavailableException.class, () -> message.seal(new byte[64])));
        message.close();
    }

    @Test
    void otherWriteFailuresStayErrors() {
        IOException broken = new IOException("Input/output error");
        assertSame(broken, FreeSpace.refusalIfFull(broken));
        IOException full = FreeSpace.refusalIfFull(new FileSystemException("/spool/queue/ID1.msg", null, "No space left on device"));
        assertInsufficientStorage((QueueUnavailableException) full);
    }
}
