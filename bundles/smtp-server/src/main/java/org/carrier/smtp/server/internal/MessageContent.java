package org.carrier.smtp.server.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.IncomingMessage;

/** The message being received: its queue file and the reader that fills it, or a BDAT chunk being skipped. */
final class MessageContent {
    final IncomingMessage incoming;
    final OutputStream out;
    private final OwnAuthResultsRemover scrubber;
    private final HeaderCounter fields;
    final DataReader reader;
    final boolean dotted;
    SmtpReply refusal;
    long chunkSize;
    long chunkLeft;
    boolean last;

    /** @param authservId this host's name in Authentication-Results fields: the message's own ones in that name are removed */
    MessageContent(IncomingMessage incoming, boolean dotted, boolean normalize, long maxSize, String authservId) {
        this.incoming = incoming;
        this.dotted = dotted;
        OutputStream file = incoming == null ? OutputStream.nullOutputStream() : new BufferedOutputStream(incoming.content(), 16 * 1024);
        this.scrubber = new OwnAuthResultsRemover(file, authservId);
        // the client's content passes the hop counter; our own Received field (write) goes past it
        this.fields = new HeaderCounter(scrubber);
        this.out = fields;
        this.reader = dotted ? DataReader.dotted(normalize, maxSize, out) : DataReader.raw(normalize, maxSize, out);
    }

    /** A chunk to read and drop, answered with {@code refusal}; a message already open is dropped with the transaction. */
    static MessageContent refusedChunk(SmtpReply refusal, MessageContent current) {
        MessageContent c = current != null ? current : new MessageContent(null, false, true, Long.MAX_VALUE, "");
        c.refusal = refusal;
        return c;
    }

    void startChunk(long size, boolean isLast) {
        chunkSize = size;
        chunkLeft = size;
        last = isLast;
    }

    /** Takes the bytes of the current chunk that {@code in} holds; true once the chunk is complete. */
    boolean takeChunk(ByteBuffer in) {
        int n = (int) Math.min(chunkLeft, in.remaining());
        ByteBuffer piece = in.slice();
        piece.limit(n);
        reader.feed(piece);
        in.position(in.position() + n);
        chunkLeft -= n;
        return chunkLeft == 0;
    }

    /** Writes our own header field (the Received field), which is not the client's and is not counted as a hop. */
    void write(String header) {
        try {
            scrubber.write(header.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the reader's own writes fail the same way and report it at the end
        }
    }

    DataReader.Result finish() {
        DataReader.Result result = reader.result();
        try {
            scrubber.endOfMessage();
        } catch (IOException e) {
            return result.writeFailure() == null ? new DataReader.Result(result.size(), result.bareLineEnding(), result.tooBig(), e) : result;
        }
        return result;
    }

    /** How many Received fields the message came with: the hops it has made (RFC 5321 §6.3). */
    int hops() {
        return fields.count(HeaderCounter.Field.RECEIVED);
    }

    /** Whether the client's header has the fields RFC 5322 §3.6 requires besides From: Date and Message-ID. */
    boolean hasDate() {
        return fields.count(HeaderCounter.Field.DATE) > 0;
    }

    boolean hasMessageId() {
        return fields.count(HeaderCounter.Field.MESSAGE_ID) > 0;
    }

    /** How many Authentication-Results fields in our name the message carried (and lost). */
    int forgedAuthResults() {
        return scrubber.removed();
    }

    void discard() {
        if (incoming != null) {
            incoming.close();
        }
    }
}
