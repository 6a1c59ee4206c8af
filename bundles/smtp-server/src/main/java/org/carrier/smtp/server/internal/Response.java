package org.carrier.smtp.server.internal;

import java.util.ArrayList;
import java.util.List;

import org.carrier.api.message.SmtpReply;

/**
 * What the protocol answers to one input, and what the I/O layer reads next.
 *
 * @param replies     the replies to send, in order (may be empty: more content is needed first)
 * @param next        what to do once they are written
 * @param delayMillis how long to wait before writing them, reading nothing meanwhile (a failed AUTH, RFC 4954 §4)
 */
record Response(List<SmtpReply> replies, Next next, long delayMillis) {

    /** What the I/O layer does after writing the replies. */
    enum Next {
        /** Read the next command line. */
        COMMAND,
        /** Read the client's answer to an AUTH challenge: a line of up to 12288 octets (RFC 4954 §4). */
        AUTH_RESPONSE,
        /** Hand raw bytes to {@link SmtpProtocol#content} until it answers (DATA up to CRLF.CRLF, or a BDAT chunk). */
        CONTENT,
        /** Flush, drop whatever the client pipelined, and start TLS (RFC 3207 §4; CVE-2011-0411). */
        START_TLS,
        /** Flush and close the connection. */
        CLOSE
    }

    /** Nothing to say yet: the content goes on. */
    static final Response MORE_CONTENT = new Response(List.of(), Next.CONTENT, 0);
    /** Nothing to say: the client speaks next (after the TLS handshake, RFC 3207 §4.2). */
    static final Response SILENT = new Response(List.of(), Next.COMMAND, 0);

    Response {
        replies = List.copyOf(replies);
    }

    static Response reply(SmtpReply reply) {
        return new Response(List.of(reply), Next.COMMAND, 0);
    }

    static Response then(SmtpReply reply, Next next) {
        return new Response(List.of(reply), next, 0);
    }

    static Response close(SmtpReply reply) {
        return new Response(List.of(reply), Next.CLOSE, 0);
    }

    /** This response, written only after {@code millis}. */
    Response delayedBy(long millis) {
        return new Response(replies, next, millis);
    }

    /** This response followed by {@code last}, after which the connection closes. */
    Response thenClose(SmtpReply last) {
        List<SmtpReply> all = new ArrayList<>(replies);
        all.add(last);
        return new Response(all, Next.CLOSE, delayMillis);
    }
}
