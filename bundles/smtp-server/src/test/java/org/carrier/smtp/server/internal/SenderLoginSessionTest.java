package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.auth.PasswordHash;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sender-login hooks of a session: at MAIL, at the end of DATA and of BDAT, and what data filters are told of the
 * From's owner. alice@client.test has no line in the table, so she owns exactly her login.
 */
class SenderLoginSessionTest {
    @TempDir
    Path dir;
    private final TestServices services = new TestServices();
    /** What each data filter call was told: whether the user owns the From. */
    private final List<Boolean> owned = new ArrayList<>();
    private Path users;
    private Path senders;

    @BeforeEach
    void files() throws Exception {
        users = dir.resolve("users.properties");
        Files.writeString(users, "alice@client.test = " + PasswordHash.bcrypt("pw".getBytes(StandardCharsets.UTF_8), 4) + "\n");
        senders = dir.resolve("sender-logins.properties");
        Files.writeString(senders, "bob = bob@client.test\n");
        services.filters.add(new FilterChain.Named("recorder", new SmtpFilter() {
            @Override
            public Set<FilterStage> stages() {
                return Set.of(FilterStage.DATA);
            }

            @Override
            public FilterResult data(SessionInfo session, Envelope envelope, MessageView message, TransactionState state) {
                owned.add(message.fromOwnedByUser());
                return FilterResult.proceed();
            }
        }));
    }

    private ProtocolDriver loggedIn(boolean enforce) {
        ProtocolDriver d = new ProtocolDriver(TestSettings.of("role", "submission", "usersFile", users.toString(),
                "requireTlsForAuth", false, "trustedNetworks", "10.0.0.0/8", "senderLoginsFile", senders.toString(),
                "senderLoginCheck", enforce), "192.0.2.7", services);
        d.send("EHLO client.test");
        String plain = Base64.getEncoder().encodeToString("\0alice@client.test\0pw".getBytes(StandardCharsets.US_ASCII));
        assertTrue(d.send("AUTH PLAIN " + plain).startsWith("235"));
        return d;
    }

    private static String bdat(ProtocolDriver d, String message) {
        int size = message.getBytes(StandardCharsets.UTF_8).length;
        assertEquals("", d.send("BDAT " + size + " LAST"));
        return d.content(message);
    }

    @Test
    void mailFromAnotherSenderIsRefusedAndTheSessionGoesOn() {
        ProtocolDriver d = loggedIn(true);
        assertEquals("553 5.7.1 <bob@client.test>: sender not owned by user", d.send("MAIL FROM:<bob@client.test>"));
        assertEquals("553 5.7.1 <>: sender not owned by user", d.send("MAIL FROM:<>"));
        assertTrue(d.send("MAIL FROM:<Alice@Client.test>").startsWith("250"), "her login, in any case");
    }

    @Test
    void aForeignFromIsRefusedAtTheEndOfDataAndOfBdat() {
        ProtocolDriver d = loggedIn(true);
        d.send("MAIL FROM:<alice@client.test>");
        d.send("RCPT TO:<carol@relay.test>");
        assertTrue(d.send("DATA").startsWith("354"));
        assertEquals("553 5.7.1 <bob@client.test>: sender not owned by user", d.content("From: Bob <bob@client.test>\r\n\r\nhi\r\n.\r\n"));
        d.send("MAIL FROM:<alice@client.test>");
        d.send("RCPT TO:<carol@relay.test>");
        assertEquals("553 5.7.1 <bob@client.test>: sender not owned by user",
                bdat(d, "From: alice@client.test\r\nSender: bob@client.test\r\n\r\nhi\r\n"));
        assertTrue(d.queue.committed.isEmpty(), "nothing refused was queued");
        assertEquals(List.of(), owned, "refused before the data filters ran");

        d.send("MAIL FROM:<alice@client.test>");
        d.send("RCPT TO:<carol@relay.test>");
        assertTrue(bdat(d, "From: Alice <alice@client.test>\r\n\r\nhi\r\n").startsWith("250 2.0.0 Ok: queued as"));
        assertEquals(List.of(true), owned, "filters are told the user owns the From");
    }

    @Test
    void withTheCheckOffFiltersAreStillToldWhoOwnsTheFrom() {
        ProtocolDriver d = loggedIn(false);
        assertTrue(d.send("MAIL FROM:<bob@client.test>").startsWith("250"));
        d.send("RCPT TO:<carol@relay.test>");
        assertTrue(bdat(d, "From: bob@client.test\r\n\r\nhi\r\n").startsWith("250 2.0.0 Ok: queued as"));
        d.send("MAIL FROM:<alice@client.test>");
        d.send("RCPT TO:<carol@relay.test>");
        assertTrue(bdat(d, "Subject: no From\r\n\r\nhi\r\n").startsWith("250 2.0.0 Ok: queued as"));
        assertEquals(List.of(false, false), owned, "not the user's From; no From at all");
    }
}
