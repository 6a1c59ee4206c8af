package org.carrier.api.report;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.outbound.Submission;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.MailQueue;

/**
 * Queues a report message in Carrier's own queue, which delivers (signs, retries, bounces) it as any mail, with the
 * {@link ReportMark} of its kind in the envelope.
 */
public final class ReportSubmission {
    private ReportSubmission() {
    }

    /**
     * @param queue  the queue, or null when it is not running (then nothing is sent, and the outcome says so)
     * @param domain the domain reported on, the mark's value
     */
    public static ReportOutcome queue(MailQueue queue, ReportMark mark, String domain, MailAddress sender,
                                      List<MailAddress> to, byte[] content) {
        String destination = "mailto:" + to.stream().map(MailAddress::toString).collect(Collectors.joining(","));
        if (queue == null) {
            return new ReportOutcome(destination, false, "the queue is not running");
        }
        List<Recipient> recipients = to.stream().map(a -> new Recipient(a, Map.of())).toList();
        // Carrier is the report's author: the outbound stage signs it with the sender domain's key (Submission).
        Envelope envelope = new Envelope(sender, Submission.mark(mark.mailParameters(domain)), recipients);
        try (IncomingMessage message = queue.receive()) {
            message.content().write(content);
            message.commit(envelope, List.of(), false);
            return new ReportOutcome(destination, true, "queued as " + message.queueId());
        } catch (IOException | RuntimeException e) {
            return new ReportOutcome(destination, false, "the queue refused it: " + e.getMessage());
        }
    }
}
