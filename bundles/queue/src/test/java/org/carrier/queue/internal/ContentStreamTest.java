package org.carrier.queue.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStreamTest {
    private static final byte[] HEAD = "Received: x\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    /** A spool file: content, then a trailer the stream must never show. */
    private FileChannel spoolFile(String content) throws IOException {
        Path file = dir.resolve("m.msg");
        Files.writeString(file, content + "TRAILER", StandardCharsets.US_ASCII);
        return FileChannel.open(file, StandardOpenOption.READ);
    }

    @Test
    void headThenContentWithoutTheTrailerInSmallReads() throws IOException {
        try (FileChannel file = spoolFile("Subject: s\r\n\r\nbody\r\n")) {
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            try (InputStream in = new ContentStream(HEAD, file, 20, false)) {
                byte[] buffer = new byte[3];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    read.write(buffer, 0, n);
                }
                assertEquals(-1, in.read());
            }
            assertEquals("Received: x\r\nSubject: s\r\n\r\nbody\r\n", read.toString(StandardCharsets.US_ASCII));
            assertTrue(file.isOpen(), "a stream over a shared file leaves it open");
        }
    }

    @Test
    void readersShareOneFileEachAtItsOwnPosition() throws IOException {
        try (FileChannel file = spoolFile("0123456789")) {
            InputStream a = new ContentStream(new byte[0], file, 10, false);
            InputStream b = new ContentStream(new byte[0], file, 10, false);
            assertEquals('0', a.read());
            assertEquals('1', a.read());
            assertArrayEquals("0123456789".getBytes(StandardCharsets.US_ASCII), b.readAllBytes());
            assertArrayEquals("23456789".getBytes(StandardCharsets.US_ASCII), a.readAllBytes());
        }
    }

    @Test
    void closingAStreamThatOwnsItsFileClosesIt() throws IOException {
        FileChannel file = spoolFile("x");
        new ContentStream(HEAD, file, 1, true).close();
        assertTrue(!file.isOpen());
    }

    @Test
    void aFileShorterThanItsRecordedSizeIsAnError() throws IOException {
        try (FileChannel file = spoolFile("short")) {
            InputStream in = new ContentStream(HEAD, file, 100, false); // "TRAILER" makes 12 bytes, not 100
            IOException e = assertThrows(IOException.class, in::readAllBytes);
            assertTrue(e.getMessage().contains("before its recorded size"), e.getMessage());
        }
    }
}
