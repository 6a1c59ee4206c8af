package org.carrier.api.filter;

import java.util.Objects;

import org.carrier.api.message.HeaderField;
import org.carrier.api.message.SmtpReply;

/**
 * What a filter does with an outcome, chosen in its configuration rather than in code (e.g. "SPF fail:
 * REJECT", "listed in a DNSBL: TAG"). Filters offer it as a Metatype option, so the web console shows a choice.
 */
public enum PolicyAction {
    /** Let the mail through; later filters still run. */
    ACCEPT,
    /** Refuse permanently with the filter's 5xx reply. */
    REJECT,
    /** Refuse for now: the filter's reply as {@code 451} with a 4.x.x enhanced status, so the client retries. */
    TEMPFAIL,
    /** Quarantine: accept into the queue on hold (adding the tag header) until an operator releases it. */
    HOLD,
    /** Let the mail through with the tag header added, for the mailbox's own filtering. */
    TAG;

    /**
     * The filter result for this action.
     *
     * @param rejection the permanent refusal to send for {@link #REJECT}, a 5xx reply; {@link #TEMPFAIL} derives its 4xx from it
     * @param tag       the header field {@link #TAG} and {@link #HOLD} add, or {@code null} for none
     */
    public FilterResult apply(SmtpReply rejection, HeaderField tag) {
        Objects.requireNonNull(rejection, "rejection");
        return switch (this) {
            case ACCEPT -> FilterResult.proceed();
            case REJECT -> FilterResult.reject(rejection.code(), rejection.enhancedStatus(), rejection.text());
            case TEMPFAIL -> FilterResult.tempfail(451, temporary(rejection.enhancedStatus()), rejection.text());
            case HOLD -> tagged(FilterResult.hold(), tag);
            case TAG -> tagged(FilterResult.proceed(), tag);
        };
    }

    private static FilterResult tagged(FilterResult result, HeaderField tag) {
        return tag == null ? result : result.withHeader(tag.name(), tag.value());
    }

    /** RFC 3463 §3.1: the class digit 4 marks a persistent transient failure; the subject and detail stay. */
    private static String temporary(String enhancedStatus) {
        return enhancedStatus == null || enhancedStatus.isEmpty() ? "4.7.1" : "4" + enhancedStatus.substring(1);
    }
}
