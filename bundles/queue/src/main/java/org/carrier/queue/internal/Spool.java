package org.carrier.queue.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.carrier.api.message.HeaderField;
import org.carrier.api.transport.MessageSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool on disk, Postfix-like and inspectable: {@code incoming/} holds messages being received
 * (never acknowledged), {@code queue/ID.msg} and {@code queue/ID.env} the queued content and its
 * envelope and state, {@code corrupt/} what could not be read. A message is queued exactly when its
 * {@code .env} exists; each write reaches the disk (file synced, directory synced by a {@link GroupSync}
 * shared by concurrent writers) before it counts.
 */
final class Spool {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final String ENVELOPE = ".env";

    private final Path root;
    private final Path incoming;
    private final Path queue;
    private final Path corrupt;
    private final GroupSync queueSync;

    Spool(Path root) throws IOException {
        this.root = root;
        this.incoming = Files.createDirectories(root.resolve("incoming"));
        this.queue = Files.createDirectories(root.resolve("queue"));
        this.corrupt = Files.createDirectories(root.resolve("corrupt"));
        this.queueSync = new GroupSync(queue);
    }

    Path root() {
        return root;
    }

    Path incomingFile(String id) {
        return incoming.resolve(id);
    }

    Path contentFile(String id) {
        return queue.resolve(id + ".msg");
    }

    private Path envelopeFile(String id) {
        return queue.resolve(id + ENVELOPE);
    }

    /**
     * Queues a received message: its content (already synced by the writer) moves into the queue, then
     * the envelope is written; the message counts as queued once the envelope's rename is on disk.
     */
    void commit(QueueEntry entry) throws IOException {
        move(incomingFile(entry.id()), contentFile(entry.id()));
        writeEnvelope(entry);
    }

    /** Writes the entry's envelope and state: temp file, sync, atomic rename, (group) directory sync. */
    void writeEnvelope(QueueEntry entry) throws IOException {
        Path target = envelopeFile(entry.id());
        Path temp = queue.resolve(entry.id() + ".env.tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(EnvelopeFile.format(entry).getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        move(temp, target);
        queueSync.sync();
    }

    /** Removes a message that is done or deleted: envelope first, so a crash leaves no half entry. */
    void remove(String id) throws IOException {
        Files.deleteIfExists(envelopeFile(id));
        Files.deleteIfExists(contentFile(id));
        queueSync.sync();
    }

    /** Whether a message is queued under {@code id}. */
    boolean contains(String id) {
        return Files.exists(envelopeFile(id));
    }

    /** The content as transports send it: prepended header fields, then the received message. */
    MessageSource source(QueueEntry entry) {
        StringBuilder prefix = new StringBuilder();
        for (HeaderField h : entry.prependedHeaders()) {
            prefix.append(h).append("\r\n");
        }
        byte[] head = prefix.toString().getBytes(StandardCharsets.UTF_8);
        Path content = contentFile(entry.id());
        long size = head.length + entry.size();
        return new MessageSource() {
            @Override
            public InputStream open() throws IOException {
                return new SequenceInputStream(new ByteArrayInputStream(head), Files.newInputStream(content));
            }

            @Override
            public long size() {
                return size;
            }
        };
    }

    /**
     * Reads back everything queued, one entry at a time (a large backlog is never all in memory).
     * Partial receptions are deleted (they were never acknowledged); entries that cannot be read are moved
     * to {@code corrupt/} with a log line, never stopping start-up.
     *
     * @return how many entries were recovered
     */
    int recover(Consumer<QueueEntry> each) throws IOException {
        try (DirectoryStream<Path> partial = Files.newDirectoryStream(incoming)) {
            for (Path p : partial) {
                LOG.info("removing {}: received partly, never acknowledged", p.getFileName());
                Files.deleteIfExists(p);
            }
        }
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (name.endsWith(".env.tmp")) {
                    Files.deleteIfExists(p);
                } else if (name.endsWith(ENVELOPE)) {
                    Optional<QueueEntry> entry = load(idOf(name));
                    if (entry.isPresent()) {
                        each.accept(entry.get());
                        count++;
                    }
                } else if (name.endsWith(".msg") && !Files.exists(queue.resolve(name.replace(".msg", ENVELOPE)))) {
                    LOG.info("removing {}: content without an envelope, never acknowledged", name);
                    Files.deleteIfExists(p);
                }
            }
        }
        return count;
    }

    /** The IDs of every queued message, in order (IDs sort by arrival). */
    List<String> queuedIds() throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue, "*" + ENVELOPE)) {
            for (Path p : files) {
                ids.add(idOf(p.getFileName().toString()));
            }
        }
        ids.sort(null);
        return ids;
    }

    /** Reads an entry without changing anything; empty if it is gone or unreadable. */
    Optional<QueueEntry> peek(String id) {
        try {
            return Optional.of(read(id));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Reads an entry; empty if it is gone; one that cannot be read is moved to {@code corrupt/} with a log line. */
    Optional<QueueEntry> load(String id) throws IOException {
        Path envelope = envelopeFile(id);
        try {
            return Optional.of(read(id));
        } catch (NoSuchFileException gone) {
            if (Files.exists(envelope)) {
                moveToCorrupt(id, envelope, "its content file " + id + ".msg is missing");
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            moveToCorrupt(id, envelope, e.getMessage());
            return Optional.empty();
        }
    }

    private QueueEntry read(String id) throws IOException {
        QueueEntry entry = EnvelopeFile.parse(Files.readString(envelopeFile(id), StandardCharsets.UTF_8));
        if (!entry.id().equals(id)) {
            throw new IOException("its id record says " + entry.id());
        }
        if (!Files.exists(contentFile(id))) {
            throw new NoSuchFileException(contentFile(id).toString());
        }
        return entry;
    }

    private void moveToCorrupt(String id, Path envelope, String problem) throws IOException {
        LOG.warn("{}: moved to {} because {} cannot be read: {}", id, corrupt, envelope.getFileName(), problem);
        Files.move(envelope, corrupt.resolve(envelope.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Path content = contentFile(id);
        if (Files.exists(content)) {
            Files.move(content, corrupt.resolve(content.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String idOf(String fileName) {
        return fileName.substring(0, fileName.length() - ENVELOPE.length());
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
