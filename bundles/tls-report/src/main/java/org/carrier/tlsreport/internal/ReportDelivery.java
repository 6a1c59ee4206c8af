package org.carrier.tlsreport.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;

import org.carrier.api.message.MailAddress;
import org.carrier.api.queue.MailQueue;
import org.carrier.api.report.ReportMark;
import org.carrier.api.report.ReportOutcome;
import org.carrier.api.report.ReportSubmission;

/**
 * Sends one report to the destinations of a reporting policy: {@code mailto:} as one message through Carrier's own
 * queue (RFC 8460 §5.3), which retries it as any mail, {@code https:} by a POST of the gzipped JSON (§5.4) over a
 * verified TLS connection, no redirect followed.
 */
final class ReportDelivery {
    private final Clock clock;
    private final Duration timeout;
    private final HttpClient http;

    ReportDelivery(Clock clock, SSLContext tls, Duration timeout) {
        this.clock = clock;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    List<ReportOutcome> send(TlsReport report, ReportingPolicy policy, MailQueue queue, MailAddress sender) {
        List<ReportOutcome> outcomes = new ArrayList<>();
        if (!policy.mailto().isEmpty()) {
            outcomes.add(mail(report, policy.mailto(), queue, sender));
        }
        for (URI uri : policy.https()) {
            outcomes.add(post(report, uri));
        }
        return outcomes;
    }

    private ReportOutcome mail(TlsReport report, List<MailAddress> to, MailQueue queue, MailAddress sender) {
        // The mark keeps the report's own TLS sessions out of the next report (RFC 8460 §5.3)
        return ReportSubmission.queue(queue, ReportMark.TLS, report.domain(), sender, to,
                ReportMessage.content(report, sender, to, clock.instant()));
    }

    private ReportOutcome post(TlsReport report, URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", TlsReport.MEDIA_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(report.gzip())).build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            // RFC 8460 §5.4: a 2xx answer means the report was taken
            return new ReportOutcome(uri.toString(), status / 100 == 2, "HTTP " + status);
        } catch (IOException e) {
            return new ReportOutcome(uri.toString(), false, e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ReportOutcome(uri.toString(), false, "interrupted");
        }
    }
}
