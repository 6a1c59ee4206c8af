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
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.carrier.api.message.HeaderField;
import org.carrier.api.transport.MessageSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool on disk, Postfix-like and inspectable: {@code incoming/} holds messages being received
 * (never acknowledged), {@code queue/ID.msg} and {@code queue/ID.env} the queued content and its
 * envelope and state, {@code corrupt/} what could not be read. A message is queued exactly when its
 * {@code .env} exists; each write reaches the disk (file and directory synced) before it counts.
 */
final class Spool {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    private final Path root;
    private final Path incoming;
    private final Path queue;
    private final Path corrupt;

    Spool(Path root) throws IOException {
        this.root = root;
        this.incoming = Files.createDirectories(root.resolve("incoming"));
        this.queue = Files.createDirectories(root.resolve("queue"));
        this.corrupt = Files.createDirectories(root.resolve("corrupt"));
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
        return queue.resolve(id + ".env");
    }

    /**
     * Queues a received message: its content (already synced by the writer) moves into the queue, then
     * the envelope is written; the message counts as queued once the envelope's rename is on disk.
     */
    void commit(QueueEntry entry) throws IOException {
        move(incomingFile(entry.id()), contentFile(entry.id()));
        writeEnvelope(entry);
    }

    /** Writes the entry's envelope and state: temp file, sync, atomic rename, directory sync. */
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
        syncDirectory(queue);
    }

    /** Removes a message whose recipients are all final: envelope first, so a crash leaves no half entry. */
    void remove(String id) throws IOException {
        Files.deleteIfExists(envelopeFile(id));
        Files.deleteIfExists(contentFile(id));
        syncDirectory(queue);
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
     * Reads back everything queued. Partial receptions are deleted (they were never acknowledged);
     * entries that cannot be read are moved to {@code corrupt/} with a log line, never stopping start-up.
     */
    List<QueueEntry> recover() throws IOException {
        try (DirectoryStream<Path> partial = Files.newDirectoryStream(incoming)) {
            for (Path p : partial) {
                LOG.info("removing {}: received partly, never acknowledged", p.getFileName());
                Files.deleteIfExists(p);
            }
        }
        List<QueueEntry> entries = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (name.endsWith(".env.tmp")) {
                    Files.deleteIfExists(p);
                } else if (name.endsWith(".env")) {
                    load(p).ifPresent(entries::add);
                } else if (name.endsWith(".msg") && !Files.exists(queue.resolve(name.replace(".msg", ".env")))) {
                    LOG.info("removing {}: content without an envelope, never acknowledged", name);
                    Files.deleteIfExists(p);
                }
            }
        }
        entries.sort((a, b) -> a.arrival().compareTo(b.arrival()));
        return entries;
    }

    private Optional<QueueEntry> load(Path envelope) throws IOException {
        String id = envelope.getFileName().toString().replace(".env", "");
        try {
            QueueEntry entry = EnvelopeFile.parse(Files.readString(envelope, StandardCharsets.UTF_8));
            if (!entry.id().equals(id)) {
                throw new IOException("its id record says " + entry.id());
            }
            if (!Files.exists(contentFile(id))) {
                throw new IOException("its content file " + id + ".msg is missing");
            }
            return Optional.of(entry);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: moved to {} because {} cannot be read: {}", id, corrupt, envelope.getFileName(), e.getMessage());
            Files.move(envelope, corrupt.resolve(envelope.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            Path content = contentFile(id);
            if (Files.exists(content)) {
                Files.move(content, corrupt.resolve(content.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
            return Optional.empty();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes renames in {@code dir} durable; a platform that cannot sync directories leaves it to the OS. */
    static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // not supported on this platform
        }
    }
}
