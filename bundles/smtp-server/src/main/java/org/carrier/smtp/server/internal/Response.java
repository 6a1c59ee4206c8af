package org.carrier.smtp.server.internal;

import java.util.ArrayList;
import java.util.List;

import org.carrier.api.message.SmtpReply;

/**
 * What the protocol answers to one input, and what the I/O layer reads next.
 *
 * @param replies the replies to send, in order (may be empty: more content is needed first)
 * @param next    what to do once they are written
 */
record Response(List<SmtpReply> replies, Next next) {

    /** What the I/O layer does after writing the replies. */
    enum Next {
        /** Read the next command line. */
        COMMAND,
        /** Hand raw bytes to {@link SmtpProtocol#content} until it answers (DATA up to CRLF.CRLF, or a BDAT chunk). */
        CONTENT,
        /** Flush, drop whatever the client pipelined, and start TLS (RFC 3207 §4; CVE-2011-0411). */
        START_TLS,
        /** Flush and close the connection. */
        CLOSE
    }

    /** Nothing to say yet: the content goes on. */
    static final Response MORE_CONTENT = new Response(List.of(), Next.CONTENT);

    Response {
        replies = List.copyOf(replies);
    }

    static Response reply(SmtpReply reply) {
        return new Response(List.of(reply), Next.COMMAND);
    }

    static Response then(SmtpReply reply, Next next) {
        return new Response(List.of(reply), next);
    }

    static Response close(SmtpReply reply) {
        return new Response(List.of(reply), Next.CLOSE);
    }

    /** This response followed by {@code last}, after which the connection closes. */
    Response thenClose(SmtpReply last) {
        List<SmtpReply> all = new ArrayList<>(replies);
        all.add(last);
        return new Response(all, Next.CLOSE);
    }
}
