package org.carrier.delivery.smtp.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.carrier.api.dns.DnsResolver;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.MessageSource;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;

/** Requests, settings and clients for the client tests. */
final class Fixtures {
    static final String MESSAGE = "Subject: t\r\n\r\nline one\r\n.hidden\r\n..two dots\r\n";
    /** Generous, so that a loaded CI machine does not fail the tests; the timeout tests use their own. */
    static final int TIMEOUT = 5_000;

    private Fixtures() {
    }

    static Settings settings(Settings.Reuse reuse) {
        return settings(reuse, true);
    }

    static Settings settings(Settings.Reuse reuse, boolean convertEightBit) {
        return settings(reuse, convertEightBit, TIMEOUT);
    }

    /** Settings whose command, data and final reply timeouts are {@code timeout} (connecting keeps the default). */
    static Settings settings(Settings.Reuse reuse, boolean convertEightBit, int timeout) {
        return new Settings("carrier.test", new Settings.Timeouts(TIMEOUT, timeout, timeout, timeout, timeout), reuse, convertEightBit,
                true);
    }

    /** The test settings with CHUNKING (BDAT) turned off: DATA even to a peer that offers it. */
    static Settings withoutChunking(Settings.Reuse reuse) {
        Settings s = settings(reuse);
        return new Settings(s.heloName(), s.timeouts(), s.reuse(), s.convertEightBit(), false);
    }

    static Settings.Reuse reuse(int maxMessages, long idleMillis) {
        return new Settings.Reuse(maxMessages, idleMillis, 20, 100, 1_000, 5, 60_000);
    }

    /** A client with the test settings; the caller closes it and the watchdog. */
    static ClientDelivery client(Protocol protocol, Settings settings, Path caFile, Watchdog watchdog) {
        return client(protocol, settings, caFile, watchdog, null);
    }

    /** A client whose next-hop names {@code dns} resolves (null: no resolver, as without the dns bundle). */
    static ClientDelivery client(Protocol protocol, Settings settings, Path caFile, Watchdog watchdog, DnsResolver dns) {
        try {
            return new ClientDelivery(protocol, settings, TlsContexts.create(caFile), watchdog, () -> dns);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client with the DNS resolver, MTA-STS source and TLS-RPT recorder of {@code services}. */
    static ClientDelivery client(Settings settings, Path caFile, Watchdog watchdog, ClientDelivery.Policies services) {
        try {
            return new ClientDelivery(Protocol.SMTP, settings, TlsContexts.create(caFile), watchdog, services);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A peer's slow reply: waits, then answers. */
    static String sleepThen(long millis, String reply) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return reply;
    }

    static NextHop hop(int port) {
        return new NextHop("127.0.0.1", port);
    }

    static Recipient rcpt(String address) {
        return Recipient.of(MailAddress.parse(address));
    }

    static List<Outcome> outcomes(List<RecipientOutcome> out) {
        return out.stream().map(RecipientOutcome::outcome).toList();
    }

    static DeliveryRequest request(String message, int port, String... rcpts) {
        return request(message, List.of(hop(port)), rcpts);
    }

    static DeliveryRequest request(String message, List<NextHop> hops, String... rcpts) {
        return request(message, hops, TransportOptions.DEFAULT, Map.of(), Stream.of(rcpts).map(Fixtures::rcpt).toList());
    }

    static DeliveryRequest request(String message, List<NextHop> hops, TransportOptions options,
                                   Map<String, String> mailParameters, List<Recipient> recipients) {
        MessageSource source = MessageContent.of(message.getBytes(StandardCharsets.UTF_8));
        return new DeliveryRequest("TESTID", new Envelope(MailAddress.parse("s@c.test"), mailParameters, recipients),
                hops, options, source);
    }
}
