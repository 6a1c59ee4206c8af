package org.carrier.api.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.carrier.api.filter.MessageEdits.HeaderEdit;
import org.carrier.api.filter.MessageEdits.HeaderOp;
import org.carrier.api.filter.MessageEdits.RecipientEdit;
import org.carrier.api.filter.MessageEdits.RecipientOp;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.junit.jupiter.api.Test;

class MessageEditsTest {
    private static final MailAddress ALICE = MailAddress.parse("alice@example.org");
    private static final MailAddress BOB = MailAddress.parse("bob@example.org");

    @Test
    void headerEditsKeepTheOrderTheyWereGivenIn() {
        MessageEdits edits = MessageEdits.builder()
                .insertHeader(0, "DKIM-Signature", "v=1; a=rsa-sha256")
                .addHeader("X-Spam-Status", "No, score=0.1")
                .changeHeader("subject", 2, "new")
                .deleteHeader("X-Old", 1)
                .changeHeader("X-Gone", 1, "")
                .changeHeader("X-Gone-Too", 3, null)
                .build();
        assertEquals(List.of(
                new HeaderEdit(HeaderOp.INSERT, "DKIM-Signature", 0, "v=1; a=rsa-sha256"),
                new HeaderEdit(HeaderOp.ADD, "X-Spam-Status", 0, "No, score=0.1"),
                new HeaderEdit(HeaderOp.CHANGE, "subject", 2, "new"),
                new HeaderEdit(HeaderOp.DELETE, "X-Old", 1, null),
                new HeaderEdit(HeaderOp.DELETE, "X-Gone", 1, null),
                new HeaderEdit(HeaderOp.DELETE, "X-Gone-Too", 3, null)), edits.headerEdits());
        assertEquals("6 header changes", edits.toString());
    }

    @Test
    void anInvalidHeaderNameIsRefusedWhenTheEditIsMade() {
        MessageEdits.Builder builder = MessageEdits.builder();
        assertEquals("invalid header field name: X Spam",
                assertThrows(IllegalArgumentException.class, () -> builder.addHeader("X Spam", "yes")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.insertHeader(0, "X-Spam:", "yes"));
        assertThrows(IllegalArgumentException.class, () -> builder.changeHeader("", 1, "yes"));
        assertEquals("invalid header field name: X-?Bcc",
                assertThrows(IllegalArgumentException.class, () -> builder.deleteHeader("X-\nBcc", 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.addHeader("Süb", "yes"));
        assertTrue(builder.build().isEmpty(), "nothing refused was kept");
    }

    @Test
    void aValueMayFoldButNotStartAnotherField() {
        MessageEdits edits = MessageEdits.builder().addHeader("X-Folded", "one\n\ttwo\r\n three\r four").build();
        assertEquals("one\r\n\ttwo\r\n three\r\n four", edits.headerEdits().get(0).value());
        MessageEdits.Builder builder = MessageEdits.builder();
        assertEquals("value of header field X-Spam has a line break that is not folding",
                assertThrows(IllegalArgumentException.class, () -> builder.addHeader("X-Spam", "no\r\nBcc: eve@example.net")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.addHeader("X-Spam", "no\r\n"));
        assertThrows(IllegalArgumentException.class, () -> builder.changeHeader("X-Spam", 1, "a\r\n\r\nbody"));
        assertThrows(IllegalArgumentException.class, () -> builder.addHeader("X-Spam", "a\0b"));
    }

    @Test
    void positionsAreIndexesFromZeroAndOccurrencesFromOne() {
        MessageEdits.Builder builder = MessageEdits.builder();
        assertThrows(IllegalArgumentException.class, () -> builder.insertHeader(-1, "X-A", "a"));
        assertThrows(IllegalArgumentException.class, () -> builder.changeHeader("X-A", 0, "a"));
        assertThrows(IllegalArgumentException.class, () -> builder.deleteHeader("X-A", 0));
        builder.insertHeader(0, "X-A", "a").changeHeader("X-A", 1, "b");
        assertEquals(2, builder.build().headerEdits().size());
    }

    @Test
    void envelopeEditsKeepTheirOrderAndUpperCaseParameterNames() {
        MessageEdits edits = MessageEdits.builder()
                .deleteRecipient(ALICE)
                .addRecipient(BOB, Map.of("notify", "NEVER"))
                .addRecipient(ALICE, Map.of())
                .changeSender(MailAddress.nullSender(), Map.of("envid", "x1"))
                .build();
        assertEquals(List.of(new RecipientEdit(RecipientOp.DELETE, Recipient.of(ALICE)),
                new RecipientEdit(RecipientOp.ADD, new Recipient(BOB, Map.of("NOTIFY", "NEVER"))),
                new RecipientEdit(RecipientOp.ADD, Recipient.of(ALICE))), edits.recipientEdits());
        assertTrue(edits.senderChange().orElseThrow().sender().isNullSender());
        assertEquals(Map.of("ENVID", "x1"), edits.senderChange().orElseThrow().parameters());
        assertEquals("+2 recipients, -1 recipient, sender changed", edits.toString());
        assertThrows(IllegalArgumentException.class, () -> MessageEdits.builder().addRecipient(MailAddress.nullSender(), Map.of()));
    }

    @Test
    void aBodyIsReplacedOnceByAFile() {
        Path file = Path.of("body.tmp");
        MessageEdits.Builder builder = MessageEdits.builder().replaceBody(file);
        assertThrows(IllegalStateException.class, () -> builder.replaceBody(Path.of("other.tmp")));
        MessageEdits edits = builder.addHeader("X-Scanned", "yes").build();
        assertEquals(file, edits.replacementBody().orElseThrow());
        assertEquals("1 header change, body replaced", edits.toString());
    }

    @Test
    void noEditsByDefaultAndTheResultCarriesThemThrough() {
        assertSame(MessageEdits.none(), MessageEdits.builder().build());
        assertSame(MessageEdits.none(), FilterResult.proceed().edits());
        assertEquals("no edits", MessageEdits.none().toString());
        MessageEdits edits = MessageEdits.builder().addHeader("X-A", "a").build();
        FilterResult result = FilterResult.hold().withEdits(edits).withHeader("X-B", "b").andDisconnect();
        assertSame(edits, result.edits());
        assertEquals(FilterAction.HOLD, result.action());
        assertFalse(result.edits().isEmpty());
        assertEquals("HOLD (1 header change) (disconnect)", result.toString());
    }
}
