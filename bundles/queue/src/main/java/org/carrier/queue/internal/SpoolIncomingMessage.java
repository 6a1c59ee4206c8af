package org.carrier.queue.internal;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
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
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.carrier.api.file.FileModes;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.queue.IncomingMessage;

/**
 * A message being received: written straight into its reserved {@code queue/ID.msg} from the start, over what
 * a reused file held ({@link Spool#removeDone}); committing appends the envelope trailer, cuts the file after
 * it and syncs the file, and from then on it is queued. Until the seal, the file's end is either empty or the
 * trailer of an older message, so a crash meanwhile leaves nothing that reads as queued.
 */
final class SpoolIncomingMessage implements IncomingMessage {

    /** What happens at commit: the queue {@link #seal}s the file with the envelope, queues and schedules it. */
    interface Committer {
        void commit(SpoolIncomingMessage message, Envelope envelope, List<HeaderField> headers, boolean hold) throws IOException;
    }

    private final String id;
    private final Path file;
    /** Where {@link #rewrite} makes the new content. */
    private final Path rewriteFile;
    private final FileChannel channel;
    private final CountingOutputStream out;
    private final Committer committer;
    /** The open {@link #rewrite} file, closed with this message if its stream is never closed. */
    private FileChannel rewriting;
    private boolean done;

    SpoolIncomingMessage(String id, Path file, Path rewriteFile, Committer committer) throws IOException {
        this.id = id;
        this.file = file;
        this.rewriteFile = rewriteFile;
        this.committer = committer;
        // reserved: it exists, durably in the directory; READ too, for the first delivery attempt (seal)
        this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.out = new CountingOutputStream(channel);
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
        // only what was received: a reused file may hold more after it
        return new ContentStream(new byte[0], FileChannel.open(file, StandardOpenOption.READ), out.count, true);
    }

    /**
     * The new content is made in memory, or beyond {@link Rewrite#IN_MEMORY} bytes in {@link #rewriteFile} (it is made
     * from the old one, read from {@link #file}); closing the stream writes it over the start of the queue file, whose
     * end {@link #seal} cuts as for any content.
     */
    @Override
    public OutputStream rewrite() {
        if (done) {
            throw new IllegalStateException(id + " was already committed or closed");
        }
        return new Rewrite();
    }

    /** The stream {@link #rewrite} gives. */
    private final class Rewrite extends OutputStream {
        /** A message whose edits add a few header fields (a scanner's verdict) costs no file: most, as most are small. */
        private static final int IN_MEMORY = 256 * 1024;
        private ByteArrayOutputStream memory = new ByteArrayOutputStream(8 * 1024);
        private OutputStream spill;
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            target(1).write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            target(len).write(b, off, len);
        }

        private OutputStream target(int more) throws IOException {
            if (closed) {
                throw new IOException(id + ": the rewrite is closed");
            }
            if (spill == null && memory.size() + more > IN_MEMORY) {
                rewriting = FileChannel.open(rewriteFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING), FileModes.PRIVATE.fileAttributes(rewriteFile.getParent()));
                spill = new BufferedOutputStream(Channels.newOutputStream(rewriting), 64 * 1024);
                memory.writeTo(spill);
                memory = null;
            }
            return spill != null ? spill : memory;
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (spill == null) {
                replaceContentWith(memory.toByteArray());
                return;
            }
            try (FileChannel scratch = rewriting) {
                spill.flush();
                replaceContentWith(scratch);
            } finally {
                rewriting = null;
                Files.deleteIfExists(rewriteFile);
            }
        }
    }

    private void replaceContentWith(byte[] content) throws IOException {
        out.flush();
        ByteBuffer bytes = ByteBuffer.wrap(content);
        try {
            while (bytes.hasRemaining()) {
                channel.write(bytes, bytes.position());
            }
        } catch (IOException e) {
            throw FreeSpace.refusalIfFull(e);
        }
        contentReplaced(content.length);
    }

    private void replaceContentWith(FileChannel scratch) throws IOException {
        out.flush();
        long size = scratch.size();
        try {
            for (long copied = 0; copied < size; ) {
                copied += channel.transferFrom(scratch.position(copied), copied, size - copied);
            }
        } catch (IOException e) {
            throw FreeSpace.refusalIfFull(e);
        }
        contentReplaced(size);
    }

    /** What is written next (the envelope trailer at {@link #seal}) follows the new content. */
    private void contentReplaced(long size) throws IOException {
        channel.position(size);
        out.count = size;
    }

    @Override
    public void commit(Envelope envelope, List<HeaderField> prependedHeader, boolean hold) throws IOException {
        if (done) {
            throw new IllegalStateException(id + " was already committed or closed");
        }
        committer.commit(this, envelope, prependedHeader, hold); // seals the file, flushing what is buffered
    }

    /**
     * Appends the envelope trailer after the content (with the content still buffered, in one write), cuts off
     * whatever a reused file held beyond it, and syncs the file: content and envelope reach the disk with one sync.
     *
     * @return the file, still open; the caller owns it from now on (the first delivery attempt reads from it)
     */
    FileChannel seal(byte[] trailer) throws IOException {
        try {
            out.drainWith(ByteBuffer.wrap(trailer));
            channel.truncate(out.count + trailer.length); // a no-op for a new file; frees only the excess of a reused one
            channel.force(true);
        } catch (IOException e) {
            throw FreeSpace.refusalIfFull(e);
        }
        done = true;
        return channel;
    }

    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        try {
            if (rewriting != null) {
                rewriting.close();
            }
            channel.close();
            Files.deleteIfExists(file);
            Files.deleteIfExists(rewriteFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot discard " + file, e);
        }
    }

    /**
     * Buffers and counts bytes on their way to the file. Not synchronized (one session owns it), because
     * the SMTP server writes the DATA stream byte by byte. Closing it does not close the file (commit does).
     */
    private static final class CountingOutputStream extends OutputStream {
        /** Most messages are a few KB: a small buffer first (each costs zeroing), grown for larger ones. */
        private static final int FIRST_BUFFER = 8 * 1024;
        private static final int MAX_BUFFER = 64 * 1024;
        private final FileChannel target;
        private byte[] buffer = new byte[FIRST_BUFFER];
        private int used;
        private long count;

        CountingOutputStream(FileChannel target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            if (used == buffer.length) {
                makeRoom(1);
            }
            buffer[used++] = (byte) b;
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > buffer.length - used) {
                makeRoom(len);
            }
            if (len > buffer.length - used) {
                drain(ByteBuffer.wrap(b, off, len));
            } else {
                System.arraycopy(b, off, buffer, used, len);
                used += len;
            }
            count += len;
        }

        /** Grows the buffer up to its maximum; once there, writes out what it holds. */
        private void makeRoom(int needed) throws IOException {
            if (buffer.length < MAX_BUFFER) {
                int size = buffer.length;
                while (size < MAX_BUFFER && size - used < needed) {
                    size *= 2;
                }
                buffer = Arrays.copyOf(buffer, size);
            }
            if (buffer.length - used < needed) {
                flush();
            }
        }

        @Override
        public void flush() throws IOException {
            drain(ByteBuffer.wrap(buffer, 0, used));
            used = 0;
        }

        /** A full disk here, before the next free-space check noticed, is refused like low space (452 4.3.1). */
        private void drain(ByteBuffer bytes) throws IOException {
            try {
                while (bytes.hasRemaining()) {
                    target.write(bytes);
                }
            } catch (IOException e) {
                throw FreeSpace.refusalIfFull(e);
            }
        }

        /** Writes what is buffered and then {@code tail} with one gathering write where the kernel takes it all. */
        void drainWith(ByteBuffer tail) throws IOException {
            ByteBuffer[] both = {ByteBuffer.wrap(buffer, 0, used), tail};
            while (tail.hasRemaining()) {
                target.write(both);
            }
            used = 0;
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
