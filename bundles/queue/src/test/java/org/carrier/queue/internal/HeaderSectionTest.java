package org.carrier.queue.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The one reading of a queued message's header section (RFC 5322 §2.1), for the console and for DSNs. */
class HeaderSectionTest {

    private static Spool.HeaderSection read(String message, long maxBytes) throws IOException {
        return Spool.headerSection(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)), maxBytes);
    }

    private static String fields(String message, long maxBytes) throws IOException {
        return new String(read(message, maxBytes).fields(), StandardCharsets.UTF_8);
    }

    private static String end(String message) throws IOException {
        return new String(read(message, Long.MAX_VALUE).end(), StandardCharsets.UTF_8);
    }

    @Test
    void endsAtTheFirstEmptyLineAndReadsNoFurther() throws IOException {
        InputStream in = new ByteArrayInputStream("Subject: a\r\n folded\r\nTo: b\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8));
        Spool.HeaderSection header = Spool.headerSection(in, Long.MAX_VALUE);
        assertEquals("Subject: a\r\n folded\r\nTo: b\r\n", new String(header.fields(), StandardCharsets.UTF_8));
        assertEquals("\r\n", new String(header.end(), StandardCharsets.UTF_8), "the empty line, as found");
        assertEquals("body\r\n", new String(in.readAllBytes(), StandardCharsets.UTF_8), "the body is left unread");
    }

    @Test
    void bareLineFeedsEndItToo() throws IOException {
        assertEquals("Subject: a\n", fields("Subject: a\n\nbody\n", 1000));
        assertEquals("\n", end("Subject: a\n\nbody\n"));
    }

    @Test
    void aMessageWithoutAnEmptyLineIsAllHeader() throws IOException {
        assertEquals("Subject: a\r\nTo: b", fields("Subject: a\r\nTo: b", 1000));
        assertEquals("", end("Subject: a\r\nTo: b"));
    }

    @Test
    void aLineOfCarriageReturnsIsNotEmpty() throws IOException {
        assertEquals("A: 1\r\n\r\r\nB: 2\r\n", fields("A: 1\r\n\r\r\nB: 2\r\n\r\nbody", 1000));
    }

    @Test
    void anEmptyHeaderSection() throws IOException {
        assertEquals("", fields("\r\nbody\r\n", 1000));
        assertEquals("\r\n", end("\r\nbody\r\n"));
    }

    @Test
    void atMostMaxBytesOfFieldsEvenInOneEndlessLine() throws IOException {
        assertEquals("Subject: a\r\n", fields("Subject: a\r\n\r\nbody", 12), "the empty line is not counted");
        assertEquals("Subjec", fields("Subject: a\r\n\r\nbody", 6));
        assertEquals("xxxx", fields("x".repeat(100_000), 4));
    }
}
