package org.carrier.smtp.server.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.MailQueue;

/** A queue in memory for session tests: keeps what was committed and counts what was discarded. */
final class MemoryQueue implements MailQueue {
    record Committed(String id, Envelope envelope, List<HeaderField> headers, boolean hold, String content) {
    }

    final List<Committed> committed = new CopyOnWriteArrayList<>();
    final AtomicInteger discarded = new AtomicInteger();
    /** The threads that started receiving each message, in order. */
    final List<String> receivedOn = new CopyOnWriteArrayList<>();
    volatile boolean receivesAtOnce;
    /** When set, every write of message content fails with it (a full disk, say). */
    volatile IOException contentFailure;
    private final AtomicInteger ids = new AtomicInteger();

    @Override
    public boolean receivesAtOnce() {
        return receivesAtOnce;
    }

    @Override
    public IncomingMessage receive() {
        receivedOn.add(Thread.currentThread().getName());
        String id = "Q" + ids.incrementAndGet();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        return new IncomingMessage() {
            private boolean done;

            @Override
            public String queueId() {
                return id;
            }

            @Override
            public OutputStream content() {
                IOException failure = contentFailure;
                return failure == null ? bytes : new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        throw failure;
                    }
                };
            }

            @Override
            public long size() {
                return bytes.size();
            }

            @Override
            public InputStream openContent() {
                return new ByteArrayInputStream(bytes.toByteArray());
            }

            /** The new content replaces the old when its stream is closed, as the spool's does. */
            @Override
            public OutputStream rewrite() {
                ByteArrayOutputStream next = new ByteArrayOutputStream();
                return new FilterOutputStream(next) {
                    @Override
                    public void close() {
                        bytes.reset();
                        bytes.writeBytes(next.toByteArray());
                    }
                };
            }

            @Override
            public void commit(Envelope envelope, List<HeaderField> headers, boolean hold) {
                committed.add(new Committed(id, envelope, List.copyOf(headers), hold, bytes.toString(StandardCharsets.UTF_8)));
                done = true;
            }

            @Override
            public void close() {
                if (!done) {
                    discarded.incrementAndGet();
                    done = true;
                }
            }
        };
    }
}
