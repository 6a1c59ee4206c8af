package org.carrier.queue.internal;

import static org.carrier.queue.internal.QueueFixture.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.transport.DeliveryRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery status notifications, parsed with a MIME library as a mail client would (RFC 3461, 3464, 6522). */
class DsnTest {
    private static final String MTA = "mta.carrier.test";

    @TempDir
    Path root;

    private QueueFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private SpoolQueue queue(Duration maxLifetime, Duration delayWarning, MailAddress postmaster) throws IOException {
        fixture = new QueueFixture(root);
        return fixture.queue(new QueueSettings(List.of(Duration.ofMillis(150)), maxLifetime, delayWarning, 100, 0, MTA, postmaster, QueueSettings.DEFAULT_MAX_HOPS));
    }

    private SpoolQueue queue() throws IOException {
        return queue(Duration.ofDays(5), Duration.ofHours(4), null);
    }

    private static Recipient rcpt(String address, String... params) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            map.put(params[i], params[i + 1]);
        }
        return new Recipient(MailAddress.parse(address), map);
    }

    private static String submit(SpoolQueue q, Map<String, String> mailParameters, Recipient... recipients) throws IOException {
        return QueueFixture.submit(q, new Envelope(MailAddress.parse("sender@client.test"), mailParameters, List.of(recipients)), false);
    }

    /** The parts of a delivery report, checked to be a proper multipart/report. */
    private record Report(Message message, List<Entity> parts, Map<String, String> perMessage, List<Map<String, String>> perRecipient) {
    }

    private static Report parse(String dsn) throws IOException {
        return parse(dsn, "delivery-status");
    }

    /** A report of {@code reportType}, whose second part is {@code message/<reportType>} (RFC 6522 §3). */
    private static Report parse(String dsn, String reportType) throws IOException {
        Message m = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(dsn.getBytes(StandardCharsets.UTF_8)));
        assertEquals("multipart/report", m.getMimeType());
        assertEquals(reportType, ((ContentTypeField) m.getHeader().getField("Content-Type")).getParameter("report-type"));
        assertEquals("auto-replied", m.getHeader().getField("Auto-Submitted").getBody());
        List<Entity> parts = ((Multipart) m.getBody()).getBodyParts();
        assertEquals(3, parts.size(), "human-readable part, delivery-status, original");
        assertEquals("text/plain", parts.get(0).getMimeType());
        assertEquals("message/" + reportType, parts.get(1).getMimeType());
        List<Map<String, String>> groups = fieldGroups(text(parts.get(1)));
        return new Report(m, parts, groups.get(0), groups.subList(1, groups.size()));
    }

    private static String text(Entity part) throws IOException {
        try (InputStream in = ((SingleBody) part.getBody()).getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** RFC 3464 §2.1: groups of header-style fields separated by blank lines. */
    private static List<Map<String, String>> fieldGroups(String body) {
        List<Map<String, String>> groups = new ArrayList<>();
        for (String block : body.trim().split("\r\n\r\n")) {
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line : block.replace("\r\n\t", " ").replace("\r\n ", " ").split("\r\n")) {
                int colon = line.indexOf(':');
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
            groups.add(fields);
        }
        return groups;
    }

    private static DeliveryRequest onlyNotification(RecordingTransport smtp) {
        List<DeliveryRequest> dsns = smtp.requests.stream().filter(r -> r.envelope().reversePath().isNullSender()).toList();
        assertEquals(1, dsns.size(), "one DSN");
        return dsns.get(0);
    }

    @Test
    void aPermanentFailureIsReportedWithEveryRequiredField() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.answer = r -> switch (r.address().localPart()) {
            case "bob", "carol" -> new SmtpReply(550, "5.1.1", "no such user");
            default -> new SmtpReply(250, "2.0.0", "ok");
        };
        Instant before = Instant.now().minusSeconds(1);
        String id = submit(q, Map.of("RET", "HDRS", "ENVID", "QQ+2B314"),
                rcpt("bob@relay.test", "NOTIFY", "FAILURE,DELAY", "ORCPT", "rfc822;Bob+2Bold@example.org"),
                rcpt("carol@relay.test", "NOTIFY", "NEVER"),
                rcpt("dave@relay.test"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1 && q.list(QueueFilter.any()).isEmpty()));

        DeliveryRequest request = onlyNotification(fixture.smtp);
        assertEquals(List.of("sender@client.test"), request.envelope().recipients().stream().map(r -> r.address().toString()).toList());
        Report report = parse(fixture.smtp.notifications().get(0));
        assertEquals("Undelivered Mail Returned to Sender", report.message().getSubject());
        assertTrue(text(report.parts().get(0)).contains("<bob@relay.test>: failed: 550 5.1.1 no such user"));

        assertEquals("dns; " + MTA, report.perMessage().get("Reporting-MTA"));
        assertEquals("QQ+314", report.perMessage().get("Original-Envelope-Id"), "ENVID, xtext-decoded");
        Instant arrival = ZonedDateTime.parse(report.perMessage().get("Arrival-Date"), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        assertFalse(arrival.isBefore(before) || arrival.isAfter(Instant.now()), "Arrival-Date: " + arrival);
        assertEquals(id, report.perMessage().get("X-Carrier-Queue-ID"));

        assertEquals(1, report.perRecipient().size(), "carol said NEVER, dave was delivered");
        Map<String, String> bob = report.perRecipient().get(0);
        assertEquals("rfc822; bob@relay.test", bob.get("Final-Recipient"));
        assertEquals("rfc822; Bob+old@example.org", bob.get("Original-Recipient"));
        assertEquals("failed", bob.get("Action"));
        assertEquals("5.1.1", bob.get("Status"));
        assertEquals("dns; relay.hop", bob.get("Remote-MTA"));
        assertEquals("smtp; 550 5.1.1 no such user", bob.get("Diagnostic-Code"));
        assertNotNull(bob.get("Last-Attempt-Date"));

        Entity original = report.parts().get(2);
        assertEquals("text/rfc822-headers", original.getMimeType(), "RET=HDRS");
        String headers = text(original);
        assertTrue(headers.contains("Subject: test") && headers.contains("Message-ID: <m1@client.test>"), headers);
        assertFalse(headers.contains("body"), "no body with RET=HDRS");
    }

    @Test
    void retFullReturnsTheWholeMessage() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.answer = r -> r.address().localPart().equals("bob") ? new SmtpReply(554, null, "rejected")
                : new SmtpReply(250, null, "ok");
        submit(q, Map.of("RET", "FULL"), rcpt("bob@relay.test"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1));
        Report report = parse(fixture.smtp.notifications().get(0));
        assertEquals("5.0.0", report.perRecipient().get(0).get("Status"), "from the reply class when no enhanced code came");
        assertNull(report.perMessage().get("Original-Envelope-Id"));
        assertNull(report.perRecipient().get(0).get("Original-Recipient"));
        Entity original = report.parts().get(2);
        assertEquals("message/rfc822", original.getMimeType());
        Message returned = assertInstanceOf(Message.class, original.getBody());
        assertEquals("test", returned.getSubject());
        assertEquals("body\r\n", text((Entity) returned).replace("\r\n\r\n", ""));
    }

    /** RFC 8689 §5: the report on a REQUIRETLS message returns only the header, even with RET=FULL, and asks REQUIRETLS too. */
    @Test
    void aRequireTlsMessageIsReportedWithItsHeaderOnlyAndUnderRequireTls() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.answer = r -> new SmtpReply(550, "5.7.30", "REQUIRETLS support required");
        submit(q, Map.of("RET", "FULL", Envelope.REQUIRETLS, ""), rcpt("bob@relay.test"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1));
        assertTrue(onlyNotification(fixture.smtp).envelope().requiresTls(), "the DSN goes with REQUIRETLS");
        Report report = parse(fixture.smtp.notifications().get(0));
        assertEquals("5.7.30", report.perRecipient().get(0).get("Status"));
        Entity original = report.parts().get(2);
        assertEquals("text/rfc822-headers", original.getMimeType(), "RET=FULL is disregarded");
        assertFalse(text(original).contains("body"), text(original));
    }

    @Test
    void expiryIsAFailureWithStatus547() throws Exception {
        SpoolQueue q = queue(Duration.ZERO, Duration.ofHours(4), null);
        fixture.smtp.answer = r -> r.address().localPart().equals("bob") ? new SmtpReply(451, "4.4.1", "host down")
                : new SmtpReply(250, null, "ok");
        submit(q, Map.of(), rcpt("bob@relay.test"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1));
        Map<String, String> bob = parse(fixture.smtp.notifications().get(0)).perRecipient().get(0);
        assertEquals("failed", bob.get("Action"));
        assertEquals("5.4.7", bob.get("Status"));
        assertTrue(bob.get("Diagnostic-Code").contains("451 4.4.1 host down"), bob.get("Diagnostic-Code"));
    }

    @Test
    void aDelayIsReportedOnceWhenNotifyAllowsIt() throws Exception {
        SpoolQueue q = queue(Duration.ofDays(5), Duration.ZERO, null);
        fixture.smtp.answer = r -> r.address().domain().equals("relay.test") ? new SmtpReply(451, "4.4.1", "host down")
                : new SmtpReply(250, null, "ok");
        String id = submit(q, Map.of(), rcpt("bob@relay.test"), rcpt("carol@relay.test", "NOTIFY", "FAILURE"),
                rcpt("dave@relay.test", "NOTIFY", "NEVER"));
        assertTrue(waitFor(() -> fixture.smtp.originals().size() >= 5), "retried every 150 ms");
        assertEquals(1, fixture.smtp.notifications().size(), "one delay DSN, however many retries");
        Report report = parse(fixture.smtp.notifications().get(0));
        assertEquals("Delayed Mail (still being retried)", report.message().getSubject());
        assertEquals(1, report.perRecipient().size(), "only bob's NOTIFY (the default) includes DELAY");
        Map<String, String> bob = report.perRecipient().get(0);
        assertEquals("rfc822; bob@relay.test", bob.get("Final-Recipient"));
        assertEquals("delayed", bob.get("Action"));
        assertEquals("4.4.1", bob.get("Status"));
        assertNotNull(bob.get("Will-Retry-Until"));
        assertEquals("text/rfc822-headers", report.parts().get(2).getMimeType());
        assertTrue(q.show(id).isPresent());
        assertTrue(java.nio.file.Files.readString(root.resolve("queue/" + id + ".env")).contains("delay-notified true"),
                "remembered across restarts");
    }

    @Test
    void successIsReportedOnlyWhenAskedFor() throws Exception {
        SpoolQueue q = queue();
        submit(q, Map.of(), rcpt("bob@relay.test", "NOTIFY", "SUCCESS,FAILURE"), rcpt("carol@relay.test"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1));
        Report report = parse(fixture.smtp.notifications().get(0));
        assertEquals("Successful Mail Delivery Report", report.message().getSubject());
        assertEquals(1, report.perRecipient().size());
        assertEquals("relayed", report.perRecipient().get(0).get("Action"), "passed to another host");
        assertEquals("2.0.0", report.perRecipient().get(0).get("Status"));
    }

    @Test
    void successIsLeftToANextHopThatTookTheDsnRequest() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.peerOffersDsn = true;
        submit(q, Map.of(), rcpt("bob@relay.test", "NOTIFY", "SUCCESS"));
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()), "delivered");
        Thread.sleep(300);
        assertEquals(List.of(), fixture.smtp.notifications(), "the next hop reports success (RFC 3461 §5.2.2)");
    }

    @Test
    void successInALocalMailboxIsReportedAsDelivered() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.peerOffersDsn = true;
        submit(q, Map.of(), rcpt("bob@local.test", "NOTIFY", "SUCCESS"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1));
        Report report = parse(fixture.smtp.notifications().get(0));
        assertEquals("delivered", report.perRecipient().get(0).get("Action"));
    }

    @Test
    void successAtAMailboxServerOverLmtpIsReportedAsDelivered() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.finalDelivery = true; // a remote route, as lmtp routes are, whose 250 is final delivery
        submit(q, Map.of(), rcpt("bob@relay.test", "NOTIFY", "SUCCESS"), rcpt("carol@relay.test"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1), "no success DSN for a final delivery");
        Report report = parse(fixture.smtp.notifications().get(0));
        assertEquals(1, report.perRecipient().size(), "carol did not ask");
        assertEquals("rfc822; bob@relay.test", report.perRecipient().get(0).get("Final-Recipient"));
        assertEquals("delivered", report.perRecipient().get(0).get("Action"));
        assertEquals("2.0.0", report.perRecipient().get(0).get("Status"));
    }

    /** Issue 22 item 7: RFC 6533 §3 and §6, the report types that may carry UTF-8 addresses and header fields. */
    @Test
    void anInternationalizedMessageIsReportedWithTheGlobalTypes() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.answer = r -> new SmtpReply(550, "5.1.1", "no such user");
        submit(q, Map.of("SMTPUTF8", ""), rcpt("josé+tag@relay.test"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1));
        Report report = parse(fixture.smtp.notifications().get(0), "global-delivery-status");
        assertEquals("utf-8; josé\\x{2B}tag@relay.test", report.perRecipient().get(0).get("Final-Recipient"),
                "utf-8-addr-unitext: UTF-8 as is, '+' escaped");
        assertEquals("message/global-headers", report.parts().get(2).getMimeType(), "the returned header");

        submit(q, Map.of("SMTPUTF8", "", "RET", "FULL"), rcpt("bob@relay.test"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 2));
        Report full = parse(fixture.smtp.notifications().get(1), "global-delivery-status");
        assertEquals("rfc822; bob@relay.test", full.perRecipient().get(0).get("Final-Recipient"), "an ASCII address keeps rfc822");
        assertEquals("message/global", full.parts().get(2).getMimeType(), "the returned message");
    }

    @Test
    void aNonAsciiRecipientMakesTheReportGlobalEvenWithoutSmtpUtf8() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.answer = r -> new SmtpReply(550, "5.1.1", "no such user");
        submit(q, Map.of(), rcpt("пользователь@relay.test"));
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1));
        Report report = parse(fixture.smtp.notifications().get(0), "global-delivery-status");
        assertEquals("utf-8; пользователь@relay.test", report.perRecipient().get(0).get("Final-Recipient"));
    }

    /** Issue 22 item 1, the queue's side: a queued message that has made maxHops hops is bounced, never sent on. */
    @Test
    void aQueuedMessageAtTheHopLimitIsBouncedNotSentOn() throws Exception {
        SpoolQueue q = queue();
        q.updateSettings(q.settings().withMaxHops(3));
        Envelope envelope = new Envelope(MailAddress.parse("sender@client.test"), Map.of(), List.of(rcpt("bob@relay.test")));
        HeaderField hop = new HeaderField("Received", "from a.test by b.test;\r\n\tSun, 6 Dec 2026 20:00:00 +0000");
        QueueFixture.submit(q, envelope, false, hop, hop);
        assertTrue(waitFor(() -> fixture.smtp.originals().size() == 1), "two hops are under the limit of three");

        String looping = QueueFixture.submit(q, envelope, false, hop, new HeaderField("received", "from c.test"), hop);
        assertTrue(waitFor(() -> fixture.smtp.notifications().size() == 1), "no bounce for the looping message");
        assertEquals(1, fixture.smtp.originals().size(), "the looping message was sent on");
        assertTrue(q.show(looping).isEmpty(), "it left the queue");
        Map<String, String> bob = parse(fixture.smtp.notifications().get(0)).perRecipient().get(0);
        assertEquals("failed", bob.get("Action"));
        assertEquals("5.4.6", bob.get("Status"));
        assertTrue(bob.get("Diagnostic-Code").startsWith("smtp; 554 5.4.6 too many hops (3 Received fields"), bob.toString());
    }

    @Test
    void mailFromTheNullSenderNeverGetsADsnButMayGoToThePostmaster() throws Exception {
        SpoolQueue q = queue();
        fixture.smtp.answer = r -> r.address().localPart().equals("postmaster") ? new SmtpReply(250, null, "ok")
                : new SmtpReply(550, "5.1.1", "no such user");
        QueueFixture.submit(q, new Envelope(MailAddress.nullSender(), Map.of(), List.of(rcpt("bob@relay.test"))), false);
        assertTrue(waitFor(() -> q.list(QueueFilter.any()).isEmpty()));
        Thread.sleep(300);
        assertEquals(1, fixture.smtp.requests.size(), "no DSN for a bounce without a postmaster setting");

        q.updateSettings(q.settings().withPostmaster(MailAddress.parse("postmaster@admin.test")));
        QueueFixture.submit(q, new Envelope(MailAddress.nullSender(), Map.of(), List.of(rcpt("bob@relay.test"))), false);
        assertTrue(waitFor(() -> fixture.smtp.requests.size() == 3));
        DeliveryRequest toPostmaster = fixture.smtp.requests.get(2);
        assertTrue(toPostmaster.envelope().reversePath().isNullSender());
        assertEquals("postmaster@admin.test", toPostmaster.envelope().recipients().get(0).address().toString());
        assertEquals("failed", parse(fixture.smtp.contents.get(2)).perRecipient().get(0).get("Action"));
    }

    private static void assertNull(Object value) {
        org.junit.jupiter.api.Assertions.assertNull(value);
    }
}
