package org.carrier.delivery.local.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.Router;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.MessageSource;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirTransportTest {
    private static final String MESSAGE = "Received: from x\r\nSubject: hi\r\n\r\nbody line\r\n.dot line\r\n";

    @TempDir
    Path data;

    @Test
    void eachRecipientGetsTheMessageWithReturnPathAndDeliveredTo() throws IOException {
        List<RecipientOutcome> outcomes = transport(data).deliver(request(MailAddress.parse("s@client.test"), "Alice@localhost", "bob@localhost"));

        assertEquals(List.of(Outcome.DELIVERED, Outcome.DELIVERED), outcomes.stream().map(RecipientOutcome::outcome).toList());
        Path alice = data.resolve("mailboxes/alice");
        List<Path> files = list(alice.resolve("new"));
        assertEquals(1, files.size());
        assertEquals("Return-Path: <s@client.test>\r\nDelivered-To: Alice@localhost\r\n" + MESSAGE,
                Files.readString(files.get(0), StandardCharsets.UTF_8));
        assertTrue(list(alice.resolve("tmp")).isEmpty(), "tmp/ is empty after delivery");
        assertTrue(Files.isDirectory(alice.resolve("cur")));
        assertEquals(1, list(data.resolve("mailboxes/bob/new")).size());
    }

    @Test
    void theNullSenderIsWrittenAsEmptyReturnPath() throws IOException {
        transport(data).deliver(request(MailAddress.nullSender(), "carol@localhost"));
        String mail = Files.readString(list(data.resolve("mailboxes/carol/new")).get(0));
        assertTrue(mail.startsWith("Return-Path: <>\r\n"), mail);
    }

    @Test
    void namesAreUniqueAcrossManyDeliveries() throws IOException {
        MaildirTransport transport = transport(data);
        for (int i = 0; i < 200; i++) {
            transport.deliver(request(MailAddress.parse("s@c.test"), "dave@localhost"));
        }
        Set<String> names = new HashSet<>();
        list(data.resolve("mailboxes/dave/new")).forEach(p -> names.add(p.getFileName().toString()));
        assertEquals(200, names.size());
    }

    @Test
    void localPartsThatCouldEscapeTheMailboxFolderFail() {
        for (String bad : List.of("..", ".hidden", "a/b", "a\\b")) {
            RecipientOutcome o = transport(data).deliver(request(MailAddress.parse("s@c.test"), bad + "@localhost")).get(0);
            assertEquals(Outcome.FAILED, o.outcome(), bad);
            assertEquals("5.1.3", o.reply().enhancedStatus());
        }
        assertFalse(Files.exists(data.resolve("mailboxes")), "nothing was created");
    }

    @Test
    void aMailboxThatCannotBeWrittenIsADeferral() throws IOException {
        Files.createDirectories(data.resolve("mailboxes"));
        Files.writeString(data.resolve("mailboxes/erin"), "a file where the Maildir should be");
        RecipientOutcome o = transport(data).deliver(request(MailAddress.parse("s@c.test"), "erin@localhost")).get(0);
        assertEquals(Outcome.DEFERRED, o.outcome());
        assertEquals(451, o.reply().code());
    }

    @Test
    void theMailboxTheRouterNamesReceivesTheMail() throws IOException {
        Recipient virtual = new Recipient(MailAddress.parse("Alice.Jones+news@example.test"), Map.of(Router.MAILBOX_PARAMETER, "ajones"));
        DeliveryRequest r = request(MailAddress.parse("s@c.test"));
        RecipientOutcome o = transport(data).deliver(new DeliveryRequest(r.queueId(), r.envelope().withRecipients(List.of(virtual)),
                List.of(), r.message())).get(0);
        assertEquals(Outcome.DELIVERED, o.outcome());
        Path mail = list(data.resolve("mailboxes/ajones/new")).get(0);
        assertTrue(Files.readString(mail).contains("Delivered-To: Alice.Jones+news@example.test\r\n"));
    }

    @Test
    void aMessageThatAlreadyHasOurDeliveredToForTheMailboxIsAForwardingLoop() throws IOException {
        String looped = "Delivered-To: Bob@localhost\r\nReceived: from x\r\nDelivered-To: other@example.test\r\n"
                + " (folded)\r\nSubject: hi\r\n\r\nDelivered-To: alice@localhost\r\n";
        List<RecipientOutcome> out = transport(data).deliver(requestOf(MailAddress.parse("s@c.test"), looped, "bob@localhost",
                "alice@localhost"));
        assertEquals(Outcome.FAILED, out.get(0).outcome(), "bob's Delivered-To is in the header");
        assertEquals(554, out.get(0).reply().code());
        assertEquals("5.4.6", out.get(0).reply().enhancedStatus());
        assertEquals("mail forwarding loop for bob@localhost", out.get(0).reply().text());
        assertFalse(Files.exists(data.resolve("mailboxes/bob")), "no copy for bob");
        assertEquals(Outcome.DELIVERED, out.get(1).outcome(), "a Delivered-To in the body does not count");
        assertTrue(out.get(1).finalDelivery(), "a Maildir delivery is final (RFC 3461 §5.2.3)");
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void mailboxesAre0700AndMessages0600WhateverTheUmask() throws IOException {
        transport(data).deliver(request(MailAddress.parse("s@client.test"), "alice@localhost"));
        Path alice = data.resolve("mailboxes/alice");
        for (Path folder : List.of(data.resolve("mailboxes"), alice, alice.resolve("tmp"), alice.resolve("new"), alice.resolve("cur"))) {
            assertEquals("rwx------", mode(folder), folder.toString());
        }
        assertEquals("rw-------", mode(list(alice.resolve("new")).get(0)));
    }

    @Test
    void mailboxModeOpensMaildirsToTheGroupOfADeliveryAgent() throws IOException {
        transport(data, "0750").deliver(request(MailAddress.parse("s@client.test"), "alice@localhost"));
        Path alice = data.resolve("mailboxes/alice");
        for (Path folder : List.of(alice, alice.resolve("tmp"), alice.resolve("new"), alice.resolve("cur"))) {
            assertEquals("rwxr-x---", mode(folder), folder.toString());
        }
        assertEquals("rw-r-----", mode(list(alice.resolve("new")).get(0)));
    }

    @Test
    void aMailboxModeThatIsNoneKeepsThePrivateOne() throws IOException {
        transport(data, "0o750").deliver(request(MailAddress.parse("s@client.test"), "alice@localhost"));
        assertEquals("rwx------", mode(data.resolve("mailboxes/alice/new")));
    }

    private static String mode(Path p) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static MaildirTransport transport(Path data) {
        return transport(data, "0700");
    }

    private static MaildirTransport transport(Path data, String mode) {
        return new MaildirTransport(data.toString(), new MaildirTransport.Config() {
            @Override
            public String mailboxMode() {
                return mode;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return MaildirTransport.Config.class;
            }

            @Override
            public String mailboxDirectory() {
                return "";
            }
        });
    }

    private static DeliveryRequest request(MailAddress sender, String... recipients) {
        return requestOf(sender, MESSAGE, recipients);
    }

    private static DeliveryRequest requestOf(MailAddress sender, String message, String... recipients) {
        List<Recipient> rcpts = Stream.of(recipients).map(r -> Recipient.of(MailAddress.parse(r))).toList();
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        MessageSource source = MessageSource.of(bytes);
        return new DeliveryRequest("TESTID", new Envelope(sender, Map.of(), rcpts), List.<NextHop>of(), source);
    }
}
