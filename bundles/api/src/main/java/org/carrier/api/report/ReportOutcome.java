package org.carrier.api.report;

/**
 * What became of a report at one destination, for the log line and the shell.
 *
 * @param destination the URI as the policy record names it, e.g. {@code mailto:dmarc@example.com}
 * @param sent        whether it was queued (or posted)
 * @param detail      the queue ID, or why not
 */
public record ReportOutcome(String destination, boolean sent, String detail) {
    @Override
    public String toString() {
        return destination + ": " + (sent ? "" : "not sent, ") + detail;
    }
}
