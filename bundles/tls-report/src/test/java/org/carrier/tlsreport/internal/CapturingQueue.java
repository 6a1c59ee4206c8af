package org.carrier.tlsreport.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.MailQueue;

/** A queue that keeps what is committed to it, in memory. */
final class CapturingQueue implements MailQueue {
    record Queued(String queueId, Envelope envelope, String content) {
    }

    final List<Queued> committed = new CopyOnWriteArrayList<>();
    private int next;

    @Override
    public synchronized IncomingMessage receive() {
        String id = "TESTQ" + (++next);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        return new IncomingMessage() {
            @Override
            public String queueId() {
                return id;
            }

            @Override
            public OutputStream content() {
                return bytes;
            }

            @Override
            public long size() {
                return bytes.size();
            }

            @Override
            public InputStream openContent() {
                return new ByteArrayInputStream(bytes.toByteArray());
            }

            @Override
            public OutputStream rewrite() {
                bytes.reset();
                return bytes;
            }

            @Override
            public void commit(Envelope envelope, List<HeaderField> prependedHeader, boolean hold) {
                committed.add(new Queued(id, envelope, bytes.toString(StandardCharsets.UTF_8)));
            }

            @Override
            public void close() {
            }
        };
    }
}
