package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.carrier.api.filter.MessageEdits.HeaderEdit;
import org.carrier.api.filter.MessageEdits.HeaderOp;
import org.junit.jupiter.api.Test;

class EditableHeaderTest {
    private static EditableHeader read(String content) throws IOException {
        return EditableHeader.read(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
    }

    private static String written(EditableHeader header) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(header.length(), header.writeTo(out));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void fieldsKeepTheirFoldingAndNamesMatchWithWhiteSpaceBeforeTheColon() throws IOException {
        String content = "Received: from a\r\n\tby b\r\nSubject : old\r\n folded\r\nTo: x\r\n\r\nbody\r\n";
        EditableHeader header = read(content);
        assertEquals(content.indexOf("body"), header.originalLength());
        assertTrue(header.apply(new HeaderEdit(HeaderOp.CHANGE, "SUBJECT", 1, "new")));
        assertEquals("Received: from a\r\n\tby b\r\nSubject: new\r\nTo: x\r\n\r\n", written(header));
    }

    @Test
    void theServersReceivedFieldIsNeitherChangedNorRemovedWhereverItMoved() throws IOException {
        EditableHeader header = read("Received: ours\r\nReceived: theirs\r\n\r\n");
        assertTrue(header.apply(new HeaderEdit(HeaderOp.INSERT, "Received", 0, "above")));
        assertFalse(header.apply(new HeaderEdit(HeaderOp.DELETE, "Received", 2, null)));
        assertFalse(header.apply(new HeaderEdit(HeaderOp.CHANGE, "received", 2, "forged")));
        assertTrue(header.apply(new HeaderEdit(HeaderOp.DELETE, "Received", 3, null)));
        assertEquals("Received: above\r\nReceived: ours\r\n\r\n", written(header));
    }

    @Test
    void aHeaderLargerThanTheBoundIsNotEdited() {
        String big = "Received: ours\r\n" + ("X-Pad: " + "p".repeat(990) + "\r\n").repeat(EditableHeader.MAX_BYTES / 999 + 1) + "\r\nbody\r\n";
        assertThrows(EditableHeader.TooLarge.class, () -> read(big));
    }

    @Test
    void bareLineEndsOfAReplacementBodyBecomeCrlf() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String body = "a\nb\rc\r\n\r\rd";
        assertEquals(16, CrlfCopy.copy(new ByteArrayInputStream(body.getBytes(StandardCharsets.US_ASCII)), out));
        assertEquals("a\r\nb\r\nc\r\n\r\n\r\nd\r\n", out.toString(StandardCharsets.US_ASCII));
    }
}
