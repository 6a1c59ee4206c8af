package org.carrier.tools.sendmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.List;

import org.junit.jupiter.api.Test;

class OutgoingMessageTest {
    private static final ZonedDateTime NOW = ZonedDateTime.parse("2026-11-24T07:10:00Z");

    private static OutgoingMessage read(String text, boolean dotEnds) throws IOException {
        return OutgoingMessage.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), dotEnds);
    }

    @Test
    void aLoneDotEndsTheMessageUnlessDashI() throws IOException {
        String text = "Subject: dots\n\nfirst\n.\n..two dots\nlast\n";
        assertEquals(List.of("Subject: dots", "", "first"), read(text, true).lines());
        assertEquals(List.of("Subject: dots", "", "first", ".", "..two dots", "last"), read(text, false).lines());
    }

    @Test
    void crlfAndAMissingLastLineEndAreTakenAsTheyCome() throws IOException {
        assertEquals(List.of("Subject: x", "", "body", "tail"), read("Subject: x\r\n\r\nbody\r\ntail", false).lines());
        assertEquals(List.of("Subject: x", "", "body"), read("Subject: x\n\nbody\n.", true).lines());
    }

    @Test
    void recipientsFromFoldedToCcAndBccThenBccRemoved() throws IOException {
        OutgoingMessage message = read("To: Ann <a@example.org>,\n  b@example.org\nCC: c@example.org\nbcc: Secret <s@example.org>\n"
                + "Subject: hi\n\nbody\n", false);
        SendmailOptions options = new SendmailOptions(null, null, true, false, List.of("arg@example.org, a@example.org"));
        assertEquals(List.of("arg@example.org", "a@example.org", "b@example.org", "c@example.org", "s@example.org"),
                Sendmail.recipients(options, message));
        assertFalse(message.has("Bcc"));
        assertEquals(List.of("To: Ann <a@example.org>,", "  b@example.org", "CC: c@example.org", "Subject: hi", "", "body"), message.lines());
    }

    @Test
    void aResentMessageGoesToItsResentRecipientsOnly() throws IOException {
        OutgoingMessage message = read("Resent-From: fwd@example.org\nResent-To: r@example.org\nResent-Bcc: rb@example.org\n"
                + "From: orig@example.org\nTo: first@example.org\nBcc: old@example.org\nSubject: hi\n\nbody\n", false);
        SendmailOptions options = new SendmailOptions(null, null, true, false, List.of());
        assertEquals(List.of("r@example.org", "rb@example.org"), Sendmail.recipients(options, message));
        assertFalse(message.has("Resent-Bcc"));
        assertFalse(message.has("Bcc"));
        assertEquals(List.of("Resent-From: fwd@example.org", "Resent-To: r@example.org", "From: orig@example.org",
                "To: first@example.org", "Subject: hi", "", "body"), message.lines());
    }

    @Test
    void withoutDashTOnlyTheArgumentsCount() throws IOException {
        OutgoingMessage message = read("To: a@example.org\n\nbody\n", false);
        SendmailOptions options = new SendmailOptions(null, null, false, false, List.of("z@example.org"));
        assertEquals(List.of("z@example.org"), Sendmail.recipients(options, message));
    }

    @Test
    void missingDateFromAndMessageIdAreAdded() throws IOException {
        OutgoingMessage message = read("Subject: hi\n\nbody\n", false);
        message.complete("me@example.org", "Joe Q. Public", "host.example.org", NOW);
        List<String> lines = message.lines();
        assertEquals("Date: Tue, 24 Nov 2026 07:10:00 +0000", lines.get(0));
        assertEquals("From: \"Joe Q. Public\" <me@example.org>", lines.get(1));
        assertTrue(lines.get(2).matches("Message-ID: <1795504200000\\.[0-9a-f]{32}@host\\.example\\.org>"), lines.get(2));
        assertEquals("Subject: hi", lines.get(3));
    }

    @Test
    void presentFieldsAreKept() throws IOException {
        OutgoingMessage message = read("from: Me <me@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-Id: <x@y>\n\nbody\n", false);
        message.complete("other@example.org", "Name", "host", NOW);
        assertEquals(List.of("from: Me <me@example.org>", "Date: Mon, 1 Jan 2024 00:00:00 +0000", "Message-Id: <x@y>", "", "body"),
                message.lines());
    }

    @Test
    void aMessageWithoutHeaderGetsOne() throws IOException {
        OutgoingMessage message = read("just text, no header\nsecond line\n", false);
        message.complete("me@example.org", null, "host", NOW);
        List<String> lines = message.lines();
        assertEquals("From: me@example.org", lines.get(1));
        assertEquals(List.of("", "just text, no header", "second line"), lines.subList(3, 6));
    }

    @Test
    void displayNames() {
        assertEquals("Joe Public", OutgoingMessage.displayName("Joe Public"));
        assertEquals("\"Doe, \\\"J\\\"\"", OutgoingMessage.displayName("Doe, \"J\""));
        assertEquals("=?UTF-8?B?SsO2cmc=?=", OutgoingMessage.displayName("Jörg"));
    }

    @Test
    void eightBitIsNoticed() throws IOException {
        assertTrue(read("Subject: x\n\ncaf\u00e9\n", false).isEightBit());
        assertFalse(read("Subject: x\n\ncafe\n", false).isEightBit());
    }
}
