package org.carrier.queue.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.carrier.api.message.HeaderField;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.transport.DeliveryRequest;
import org.carrier.api.transport.RecipientOutcome;
import org.carrier.api.transport.Transport;

/** A transport at the test boundary: records each delivery request and answers with the reply the test chooses per recipient. */
final class RecordingTransport implements Transport {
    final List<DeliveryRequest> requests = new CopyOnWriteArrayList<>();
    final List<String> contents = new CopyOnWriteArrayList<>();
    /** The header fields each request's source gave, as a transport asks for them (e.g. for TLS-Required). */
    final List<List<HeaderField>> headers = new CopyOnWriteArrayList<>();
    volatile Function<Recipient, SmtpReply> answer = r -> new SmtpReply(250, "2.0.0", "ok");
    volatile String remote = "relay.hop[127.0.0.1]:25";
    /** Whether the peer offers DSN (RFC 3461): if not, a delivery is reported "relayed", as the SMTP client does. */
    volatile boolean peerOffersDsn;
    /** Whether a 250 is delivery into the mailbox, as an LMTP server's is (the LMTP client marks it so). */
    volatile boolean finalDelivery;

    @Override
    public List<RecipientOutcome> deliver(DeliveryRequest request) {
        requests.add(request);
        try (InputStream in = request.message().open()) {
            contents.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            headers.add(request.message().headerFields());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return request.envelope().recipients().stream().map(r -> RecipientOutcome.of(r, answer.apply(r), remote))
                .map(o -> finalDelivery ? o.deliveredFinally() : peerOffersDsn ? o : o.relayedWithoutDsn()).toList();
    }

    /** The requests for mail other than DSNs (which come from the null reverse-path). */
    List<DeliveryRequest> originals() {
        return requests.stream().filter(r -> !r.envelope().reversePath().isNullSender()).toList();
    }

    /** The contents of the DSNs delivered so far. */
    List<String> notifications() {
        return java.util.stream.IntStream.range(0, requests.size())
                .filter(i -> requests.get(i).envelope().reversePath().isNullSender())
                .mapToObj(contents::get).toList();
    }
}
