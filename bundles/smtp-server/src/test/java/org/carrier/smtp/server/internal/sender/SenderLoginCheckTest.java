package org.carrier.smtp.server.internal.sender;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.testing.MutableClock;
import org.carrier.api.table.WatchedTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SenderLoginCheckTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.7", 40000);
    private static final String TABLE = """
            # sender logins
            alice = alice@example.org, Alice.Smith@Example.org, @example.net
            mailer = <>, noreply@example.org
            carol@example.org = carol@example.com
            """;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private int version;

    private Path write(String content) throws Exception {
        Path file = dir.resolve("sender-logins.properties");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(++version)));
        return file;
    }

    private SenderLoginCheck check(String table, boolean enforce) throws Exception {
        return new SenderLoginCheck(write(table), enforce, Duration.ofSeconds(2), clock);
    }

    private static SessionInfo as(String user) {
        return new SessionInfo("S1", "test", CLIENT, CLIENT, "client.test", true, "TLSv1.3", user, user != null);
    }

    private static Optional<String> mail(SenderLoginCheck check, String user, String sender) {
        MailAddress address = sender.isEmpty() ? MailAddress.nullSender() : MailAddress.parse(sender);
        return check.refuseSender(as(user), address).map(SmtpReply::toString);
    }

    private static Supplier<List<HeaderField>> header(String... fields) {
        return () -> Arrays.stream(fields).map(f -> new HeaderField(f.substring(0, f.indexOf(':')),
                f.substring(f.indexOf(':') + 1).strip())).toList();
    }

    @Test
    void aUserMaySendAsItsAddressesAndDomains() throws Exception {
        SenderLoginCheck check = check(TABLE, true);
        assertEquals(Optional.empty(), mail(check, "alice", "alice@example.org"));
        assertEquals(Optional.empty(), mail(check, "alice", "ALICE@EXAMPLE.ORG"), "addresses compare case-insensitively");
        assertEquals(Optional.empty(), mail(check, "alice", "alice.smith@example.org"));
        assertEquals(Optional.empty(), mail(check, "alice", "anyone@example.net"), "@example.net: the whole domain");
        assertEquals(Optional.of("553 5.7.1 <ceo@example.org>: sender not owned by user"), mail(check, "alice", "ceo@example.org"));
        assertEquals(Optional.of("553 5.7.1 <x@sub.example.net>: sender not owned by user"), mail(check, "alice", "x@sub.example.net"),
                "a domain is not its subdomains");
        assertEquals(Optional.of("553 5.7.1 <alice@example.org>: sender not owned by user"), mail(check, "Alice", "alice@example.org"),
                "user names are exact, as for AUTH");
    }

    @Test
    void theNullSenderOnlyWhereTheLineSaysSo() throws Exception {
        SenderLoginCheck check = check(TABLE, true);
        assertEquals(Optional.empty(), mail(check, "mailer", ""));
        assertEquals(Optional.of("553 5.7.1 <>: sender not owned by user"), mail(check, "alice", ""));
        assertEquals(Optional.of("553 5.7.1 <>: sender not owned by user"), mail(check, "dave@example.org", ""));
    }

    @Test
    void aUserWithoutALineMayUseItsLoginIfThatIsAnAddress() throws Exception {
        SenderLoginCheck check = check(TABLE, true);
        assertEquals(Optional.empty(), mail(check, "dave@example.org", "dave@example.org"));
        assertEquals(Optional.empty(), mail(check, "dave@example.org", "Dave@Example.org"));
        assertTrue(mail(check, "dave@example.org", "eve@example.org").isPresent());
        assertTrue(mail(check, "dave", "dave@example.org").isPresent(), "a login that is no address owns nothing");
        assertTrue(mail(check, "carol@example.org", "carol@example.org").isPresent(), "a line replaces the default");
        assertEquals(Optional.empty(), mail(check, "carol@example.org", "carol@example.com"));
    }

    @Test
    void unauthenticatedSessionsAndAnOffSwitchAreNotRefused() throws Exception {
        assertEquals(Optional.empty(), mail(check(TABLE, true), null, "ceo@example.org"), "no user: trusted or inbound mail");
        SenderLoginCheck off = check(TABLE, false);
        assertEquals(Optional.empty(), mail(off, "alice", "ceo@example.org"));
        assertEquals(Optional.empty(), off.refuseAuthor("Q1", as("alice"), header("From: ceo@example.org")));
        assertFalse(off.ownsAuthor(as("alice"), header("From: ceo@example.org").get()), "still answered for DKIM");
        assertTrue(off.ownsAuthor(as("alice"), header("From: Alice <alice@example.org>").get()));
    }

    @Test
    void everyFromAddressAndTheSenderMustBeOwned() throws Exception {
        SenderLoginCheck check = check(TABLE, true);
        SessionInfo alice = as("alice");
        assertEquals(Optional.empty(), check.refuseAuthor("Q1", alice, header("Received: from x", "From: \"Alice S.\" <alice.smith@example.org>")));
        assertEquals("553 5.7.1 <ceo@example.org>: sender not owned by user",
                check.refuseAuthor("Q1", alice, header("From: Alice <alice@example.org>, CEO <ceo@example.org>")).orElseThrow().toString(),
                "RFC 5322 §3.6.2: From is a mailbox-list; every author counts");
        assertEquals("553 5.7.1 <ceo@example.org>: sender not owned by user",
                check.refuseAuthor("Q1", alice, header("From: alice@example.org", "From: ceo@example.org")).orElseThrow().toString(),
                "a second From field counts too");
        assertEquals("553 5.7.1 <ceo@example.org>: sender not owned by user",
                check.refuseAuthor("Q1", alice, header("From: alice@example.org (<x@example.net>)", "Sender: ceo@example.org"))
                        .orElseThrow().toString());
        assertEquals("553 5.7.1 <ceo@example.org>: sender not owned by user",
                check.refuseAuthor("Q1", alice, header("From: ceo@example.org (<alice@example.org>)")).orElseThrow().toString(),
                "an address in a comment is no address");
        assertEquals(Optional.empty(), check.refuseAuthor("Q1", alice, header("Subject: no author")),
                "a message without From is not refused (a script leaves it to the MSA)");
        assertFalse(check.ownsAuthor(alice, header("Sender: alice@example.org", "Subject: no author").get()),
                "but no one owns it: there is nothing to sign for");
        assertEquals("553 5.7.1 <ceo@example.org>: sender not owned by user",
                check.refuseAuthor("Q1", alice, header("Sender: ceo@example.org")).orElseThrow().toString(), "a Sender alone counts");
        assertEquals("553 5.7.1 <undisclosed>: sender not owned by user",
                check.refuseAuthor("Q1", alice, header("From: undisclosed")).orElseThrow().toString());
        assertFalse(check.ownsAuthor(as(null), header("From: alice@example.org").get()), "no user owns nothing");
    }

    @Test
    void theHeaderIsReadOnlyWhenTheCheckApplies() throws Exception {
        Supplier<List<HeaderField>> unread = () -> {
            throw new AssertionError("header read");
        };
        assertEquals(Optional.empty(), check(TABLE, false).refuseAuthor("Q1", as("alice"), unread));
        assertEquals(Optional.empty(), check(TABLE, true).refuseAuthor("Q1", as(null), unread));
        Supplier<List<HeaderField>> failing = () -> {
            throw new UncheckedIOException(new IOException("disk gone"));
        };
        assertEquals("451 4.3.0 Cannot read the message; try again later",
                check(TABLE, true).refuseAuthor("Q1", as("alice"), failing).orElseThrow().toString());
    }

    @Test
    void aChangedTableAppliesAndABrokenOneKeepsTheLastGood() throws Exception {
        Path file = write(TABLE);
        SenderLoginCheck check = new SenderLoginCheck(file, true, Duration.ofSeconds(2), clock);
        assertTrue(mail(check, "alice", "ceo@example.org").isPresent());

        write(TABLE + "alice2 = ceo@example.org\n");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(Optional.empty(), mail(check, "alice2", "ceo@example.org"), "a new line applies within the interval");

        write("alice = ceo@example.org\nbob = bob@example.org, not an address\n");
        clock.advance(Duration.ofSeconds(2));
        assertTrue(mail(check, "alice", "ceo@example.org").isPresent(), "the broken file is refused as a whole");
        assertEquals(Optional.empty(), mail(check, "alice2", "ceo@example.org"), "the last good table stays");

        write("alice = \n");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(Optional.empty(), mail(check, "alice", "alice@example.net"));
    }

    @Test
    void badLinesNameFileLineAndProblem() throws Exception {
        assertEquals(":2: user bob: \"not an address\" is not an address, @domain or <>",
                problem("alice = alice@example.org\nbob = bob@example.org, not an address\n"));
        assertEquals(":1: no addresses for user alice (expected: user = address, @domain, <>, ...)", problem("alice =\n"));
        assertEquals(":2: \"alice\" is already defined on line 1", problem("alice = a@example.org\nalice = b@example.org\n"));
        assertEquals(":1: user alice: \"@\" is not an address, @domain or <>", problem("alice = @\n"));
        assertEquals(":1: user alice: \"<alice@example.org>\" is not an address, @domain or <>", problem("alice = <alice@example.org>\n"));
    }

    /** The problem the table's first reading finds, after the file name. */
    private String problem(String table) throws Exception {
        Path file = write(table);
        WatchedTable<SenderLogins> watched = new WatchedTable<>(file, "sender logins", SenderLogins.NONE, SenderLogins::parse,
                SenderLogins::size, Duration.ofSeconds(2), clock);
        return watched.problem().map(p -> p.substring(file.toString().length())).orElse("no problem");
    }
}
