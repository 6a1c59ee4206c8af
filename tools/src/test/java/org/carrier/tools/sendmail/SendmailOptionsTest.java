package org.carrier.tools.sendmail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class SendmailOptionsTest {

    @Test
    void theCommonOptions() throws SubmitFailure {
        SendmailOptions options = SendmailOptions.parse("-t", "-oi", "-f", "<me@example.org>", "-F", "Joe Public", "bob@example.com", "carol@example.com");
        assertTrue(options.extractRecipients());
        assertFalse(options.dotEndsMessage());
        assertEquals("me@example.org", options.sender());
        assertEquals("Joe Public", options.fullName());
        assertEquals(List.of("bob@example.com", "carol@example.com"), options.recipients());
    }

    @Test
    void attachedValuesAndDefaults() throws SubmitFailure {
        SendmailOptions options = SendmailOptions.parse("-fme@example.org", "-FJoe", "-i", "bob@example.com");
        assertEquals("me@example.org", options.sender());
        assertEquals("Joe", options.fullName());
        assertFalse(options.dotEndsMessage());
        assertFalse(options.extractRecipients());

        SendmailOptions plain = SendmailOptions.parse("bob@example.com");
        assertNull(plain.sender());
        assertTrue(plain.dotEndsMessage(), "without -i a lone dot ends the message, as in sendmail");
        assertEquals("", SendmailOptions.parse("-f", "<>", "x@y").sender());
        assertEquals("me@example.org", SendmailOptions.parse("-r", "me@example.org", "x@y").sender());
    }

    @Test
    void otherDaemonOptionsAreIgnored() throws SubmitFailure {
        SendmailOptions options = SendmailOptions.parse("-odb", "-oem", "-oQ/var/spool", "-bm", "-v", "-U", "-N", "never",
                "-R", "hdrs", "-V", "envid", "-X", "/tmp/log", "-B", "8BITMIME", "-h", "17", "-C/etc/mail.cf", "--", "-odd@example.com");
        assertTrue(options.dotEndsMessage());
        assertEquals(List.of("-odd@example.com"), options.recipients());
    }

    @Test
    void badOptionsAreUsageErrors() {
        SubmitFailure unknown = assertThrows(SubmitFailure.class, () -> SendmailOptions.parse("-z", "x@y"));
        assertEquals(SubmitFailure.USAGE, unknown.exitStatus());
        assertTrue(unknown.getMessage().startsWith("unknown option -z"));
        assertEquals("option -f needs a value", assertThrows(SubmitFailure.class, () -> SendmailOptions.parse("-f")).getMessage());
        assertTrue(assertThrows(SubmitFailure.class, () -> SendmailOptions.parse("-bs")).getMessage().contains("-bs is not supported"));
        assertEquals(SubmitFailure.USAGE, assertThrows(SubmitFailure.class, () -> SendmailOptions.parse("-tx")).exitStatus());
    }
}
