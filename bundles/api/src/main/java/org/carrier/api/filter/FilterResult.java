package org.carrier.api.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.carrier.api.message.HeaderField;
import org.carrier.api.message.SmtpReply;

/**
 * The immutable verdict of one {@link SmtpFilter} at one stage: an action, the reply to send
 * (for {@link FilterAction#REJECT} and {@link FilterAction#TEMPFAIL}), header fields to add to the
 * message (e.g. {@code Received-SPF}, RFC 7208 §9.1; {@code Authentication-Results}, RFC 8601),
 * whether to close the connection after replying, and at DATA the changes to make in the message ({@link MessageEdits}).
 */
public final class FilterResult {
    private static final FilterResult PROCEED = new FilterResult(FilterAction.CONTINUE, null, List.of(), List.of(), false,
            MessageEdits.none());

    private final FilterAction action;
    private final SmtpReply reply;
    private final List<HeaderField> headers;
    private final List<AuthResult> authResults;
    private final boolean disconnect;
    private final MessageEdits edits;

    private FilterResult(FilterAction action, SmtpReply reply, List<HeaderField> headers, List<AuthResult> authResults,
                         boolean disconnect, MessageEdits edits) {
        this.action = Objects.requireNonNull(action, "action");
        this.reply = reply;
        this.headers = List.copyOf(headers);
        this.authResults = List.copyOf(authResults);
        this.disconnect = disconnect;
        this.edits = Objects.requireNonNull(edits, "edits");
    }

    /** No objection; let the next filter decide. */
    public static FilterResult proceed() {
        return PROCEED;
    }

    /** Accept at this stage, skipping the remaining filters of the stage. */
    public static FilterResult accept() {
        return new FilterResult(FilterAction.ACCEPT, null, List.of(), List.of(), false, MessageEdits.none());
    }

    /**
     * Refuse permanently.
     *
     * @param code           a 5xx reply code
     * @param enhancedStatus e.g. {@code 5.7.1} (RFC 3463)
     * @param text           the reply text shown to the client
     */
    public static FilterResult reject(int code, String enhancedStatus, String text) {
        return withReply(FilterAction.REJECT, new SmtpReply(code, enhancedStatus, text), 5);
    }

    /** Refuse for now; {@code code} must be a 4xx code. */
    public static FilterResult tempfail(int code, String enhancedStatus, String text) {
        return withReply(FilterAction.TEMPFAIL, new SmtpReply(code, enhancedStatus, text), 4);
    }

    /** Accept the message as far as the client can tell, and drop it. */
    public static FilterResult discard() {
        return new FilterResult(FilterAction.DISCARD, null, List.of(), List.of(), false, MessageEdits.none());
    }

    /** Accept the message into the queue on hold. */
    public static FilterResult hold() {
        return new FilterResult(FilterAction.HOLD, null, List.of(), List.of(), false, MessageEdits.none());
    }

    private static FilterResult withReply(FilterAction action, SmtpReply reply, int replyClass) {
        if (reply.code() / 100 != replyClass) {
            throw new IllegalArgumentException(action + " needs a " + replyClass + "xx code, not " + reply.code());
        }
        return new FilterResult(action, reply, List.of(), List.of(), false, MessageEdits.none());
    }

    /** This result with one more header field to add to the message. */
    public FilterResult withHeader(String name, String value) {
        List<HeaderField> more = new ArrayList<>(headers);
        more.add(new HeaderField(name, value));
        return new FilterResult(action, reply, more, authResults, disconnect, edits);
    }

    /**
     * This result with one more authentication result (RFC 8601), for the server's {@code Authentication-Results}
     * field and for later filters of the transaction ({@link MessageView#authResults()}).
     */
    public FilterResult withAuthResult(AuthResult result) {
        List<AuthResult> more = new ArrayList<>(authResults);
        more.add(Objects.requireNonNull(result, "result"));
        return new FilterResult(action, reply, headers, more, disconnect, edits);
    }

    /** This result, closing the connection after the reply (the server answers 421 where RFC 5321 §3.8 requires). */
    public FilterResult andDisconnect() {
        return new FilterResult(action, reply, headers, authResults, true, edits);
    }

    /**
     * This result with changes to the message and its envelope (the milter modification actions), in place of any
     * given before. Honoured only on a result of {@link SmtpFilter#data} that lets the message in; see
     * {@link MessageEdits} for when and in which order they apply, and who owns a replacement body's file.
     */
    public FilterResult withEdits(MessageEdits edits) {
        return new FilterResult(action, reply, headers, authResults, disconnect, edits);
    }

    /** The changes this filter asks for in the message; {@link MessageEdits#none()} unless it gave some. */
    public MessageEdits edits() {
        return edits;
    }

    public FilterAction action() {
        return action;
    }

    /** The reply for REJECT and TEMPFAIL; {@code null} for the other actions. */
    public SmtpReply reply() {
        return reply;
    }

    /** Header fields to prepend to the message, in order. */
    public List<HeaderField> headers() {
        return headers;
    }

    /** Authentication results this filter reports, in order. */
    public List<AuthResult> authResults() {
        return authResults;
    }

    public boolean disconnect() {
        return disconnect;
    }

    @Override
    public String toString() {
        return action + (reply == null ? "" : " " + reply) + (edits.isEmpty() ? "" : " (" + edits + ")")
                + (disconnect ? " (disconnect)" : "");
    }
}
