package org.carrier.queue.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.queue.IncomingMessage;

/** A message being received: written straight into {@code incoming/}, so no copy is needed to queue it. */
final class SpoolIncomingMessage implements IncomingMessage {

    /** What happens at commit: the queue {@link #seal}s the file with the envelope, queues and schedules it. */
    interface Committer {
        void commit(SpoolIncomingMessage message, Envelope envelope, List<HeaderField> headers, boolean hold) throws IOException;
    }

    private final String id;
    private final Path file;
    private final FileChannel channel;
    private final CountingOutputStream out;
    private final Committer committer;
    private boolean done;

    SpoolIncomingMessage(String id, Path file, Committer committer) throws IOException {
        this.id = id;
        this.file = file;
        this.committer = committer;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        this.out = new CountingOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024));
    }

    @Override
    public String queueId() {
        return id;
    }

    @Override
    public OutputStream content() {
        return out;
    }

    @Override
    public long size() {
        return out.count;
    }

    @Override
    public InputStream openContent() throws IOException {
        out.flush();
        return Files.newInputStream(file);
    }

    @Override
    public void commit(Envelope envelope, List<HeaderField> prependedHeader, boolean hold) throws IOException {
        if (done) {
            throw new IllegalStateException(id + " was already committed or closed");
        }
        out.flush();
        committer.commit(this, envelope, prependedHeader, hold);
        done = true;
    }

    /**
     * Appends the envelope trailer after the content, syncs the file and closes it: content and envelope
     * reach the disk with one sync.
     */
    void seal(byte[] trailer) throws IOException {
        out.flush();
        ByteBuffer bytes = ByteBuffer.wrap(trailer);
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        channel.force(true);
        channel.close();
    }

    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot discard " + file, e);
        }
    }

    /** Counts bytes on their way to the file; closing it does not close the file (commit does). */
    private static final class CountingOutputStream extends OutputStream {
        private final OutputStream target;
        private long count;

        CountingOutputStream(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            target.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target.write(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            target.flush();
        }

        @Override
        public void close() throws IOException {
            target.flush();
        }
    }
}
