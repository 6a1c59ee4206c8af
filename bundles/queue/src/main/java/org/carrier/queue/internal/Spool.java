package org.carrier.queue.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.carrier.api.file.FileModes;
import org.carrier.api.message.HeaderField;
import org.carrier.api.transport.MessageSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool on disk, Postfix-like and inspectable. {@code queue/ID.msg} is a message: its content followed
 * by a trailer with the envelope as it arrived; {@code queue/ID.env} its envelope and state once they change
 * (it then takes precedence over the trailer); {@code corrupt/} what could not be read; {@code incoming/}
 * is only cleaned (earlier versions received there).
 * <p>
 * Receiving costs one sync: the {@code .msg} files are created empty ahead of time, a batch at a time with
 * one directory sync for the batch ({@link #reserve}), so a session writes into a file whose name is already
 * on disk and commits by syncing that file alone. A message is queued exactly when its {@code .msg} has a
 * valid trailer; one without (empty, or received partly) was never acknowledged and is removed at start-up.
 * The file of a delivered message is reused for a message to come ({@link #remove}): renaming a file costs
 * the file system less than deleting one and creating another.
 */
final class Spool {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    private static final String ENVELOPE = ".env";
    private static final String CONTENT = ".msg";
    /** How many empty message files one directory sync makes ready. */
    private static final int RESERVE_BATCH = 64;
    /**
     * How many reserved files make {@link #readyToReceive} sure: several sessions may take one between that
     * check and their {@link #reserve}, and the one that finds none left would wait for a sync.
     */
    private static final int READY_MARGIN = 16;
    /** How many emptied files of delivered messages may wait for new messages; beyond it, they are deleted. */
    private static final int MAX_RESERVED = 4 * RESERVE_BATCH;
    /** The last line of a {@code .msg}: this marker and the envelope's length in bytes, 10 digits. */
    private static final String TRAILER_MARK = "carrier-trailer ";
    private static final int TRAILER_LINE = TRAILER_MARK.length() + 11;
    /** What {@link #unmarkTrailer} writes over the mark of a done message's trailer line. */
    private static final byte[] UNMARKED = "carrier-reused- ".getBytes(StandardCharsets.US_ASCII);

    private final Path root;
    private final Path incoming;
    private final Path queue;
    private final Path corrupt;
    private final GroupSync queueSync;
    private final Deque<String> reserved = new ArrayDeque<>();
    /** Files of delivered messages renamed to fresh IDs, waiting for a directory sync before they are reserved. */
    private final List<String> recycled = new ArrayList<>();
    /** How many reserved files are durable and ready, updated once each change is complete (after its sync). */
    private volatile int ready;
    /**
     * The IDs (as numbers) of the files this run named while {@link #listLeftovers} had not finished, each added before
     * its file appears: the listing runs in the background while the queue receives, and a name it finds here is this
     * run's (a reserved or received message, an envelope being written), never a leftover of the last run. A set and not
     * an ID boundary because a clock set back gives this run IDs below the last run's. Null once the listing is done.
     */
    private volatile Set<Long> namedBeforeListed = ConcurrentHashMap.newKeySet();

    Spool(Path root) throws IOException {
        this.root = root;
        // 0700 folders and 0600 files given here, not left to the umask: an embedded start is as private (DESIGN)
        this.incoming = FileModes.PRIVATE.createFolders(root.resolve("incoming"));
        this.queue = FileModes.PRIVATE.createFolders(root.resolve("queue"));
        this.corrupt = FileModes.PRIVATE.createFolders(root.resolve("corrupt"));
        this.queueSync = new GroupSync(queue);
    }

    Path root() {
        return root;
    }

    Path contentFile(String id) {
        return queue.resolve(id + CONTENT);
    }

    /**
     * Where a message's new content is made before it replaces the received one ({@link SpoolIncomingMessage#rewrite}):
     * in {@code incoming/}, so that a crash leaves nothing the queue takes for a message (recovery removes it).
     */
    Path rewriteFile(String id) {
        return incoming.resolve(id + ".edit");
    }

    private Path envelopeFile(String id) {
        return queue.resolve(id + ENVELOPE);
    }

    /** What {@link SpoolIncomingMessage#seal} appends after the content: the envelope and its length. */
    static byte[] trailer(QueueEntry entry) {
        byte[] envelope = EnvelopeFile.format(entry).getBytes(StandardCharsets.UTF_8);
        String length = Integer.toString(envelope.length); // 10 digits with leading zeros; no Formatter per message
        byte[] line = (TRAILER_MARK + "0".repeat(10 - length.length()) + length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] trailer = Arrays.copyOf(envelope, envelope.length + line.length);
        System.arraycopy(line, 0, trailer, envelope.length, line.length);
        return trailer;
    }

    /**
     * An ID whose {@code .msg} file is durably in the directory, to receive a message into: a file of a delivered
     * message renamed for reuse (still holding that message until overwritten), or a new empty one. New files are
     * made a batch at a time; either way one directory sync makes a batch of names durable before anything is
     * received into them.
     */
    synchronized String reserve(Supplier<String> ids) throws IOException {
        if (reserved.isEmpty()) {
            if (recycled.isEmpty()) {
                createBatch(ids);
            }
            settleRecycled();
            GroupSync.syncDirectory(queue);
        }
        String id = reserved.poll();
        ready = reserved.size();
        return id;
    }

    /**
     * Whether {@link #reserve} would now return at once, from files already durable, with no sync to wait for.
     * Lock-free: a network thread asks, and must not wait while another thread holds the lock through a sync.
     */
    boolean readyToReceive() {
        return ready >= READY_MARGIN;
    }

    private void createBatch(Supplier<String> ids) throws IOException {
        while (reserved.size() < RESERVE_BATCH) {
            String id = ids.get();
            namedByThisRun(id);
            try {
                Files.createFile(contentFile(id), FileModes.PRIVATE.fileAttributes(queue));
                reserved.add(id);
            } catch (FileAlreadyExistsException taken) {
                notNamedByThisRun(id); // a clock set back since an earlier run: never overwrite a queued message
            }
        }
    }

    /**
     * Makes the renames of recycled files durable and lets them be reserved. Called when the reserve runs dry and
     * by the scheduler about once a second, so a delivered message's removal reaches the disk soon after delivery
     * without its delivery thread waiting for it.
     */
    synchronized void syncRecycled() {
        if (!recycled.isEmpty()) {
            settleRecycled();
            GroupSync.syncDirectory(queue);
            ready = reserved.size();
        }
    }

    private void settleRecycled() {
        reserved.addAll(recycled);
        recycled.clear();
    }

    /** Deletes the reserved files nobody received into (at shutdown; start-up would remove them anyway). */
    synchronized void releaseReserved() {
        settleRecycled();
        for (String id : reserved) {
            try {
                Files.deleteIfExists(contentFile(id));
            } catch (IOException e) {
                // removed at the next start
            }
        }
        reserved.clear();
        ready = 0;
    }

    /** Writes the entry's envelope and state: temp file, sync, atomic rename, (group) directory sync. */
    void writeEnvelope(QueueEntry entry) throws IOException {
        Path target = envelopeFile(entry.id());
        Path temp = queue.resolve(entry.id() + ".env.tmp");
        try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), FileModes.PRIVATE.fileAttributes(queue))) {
            ByteBuffer bytes = ByteBuffer.wrap(EnvelopeFile.format(entry).getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        move(temp, target);
        queueSync.sync();
        entry.stateFileWritten(true);
    }

    /**
     * Removes a message that is done or deleted: content first, because its trailer holds the state at
     * arrival; a {@code .env} left alone by a crash is removed at the next start.
     */
    void remove(String id) throws IOException {
        Files.deleteIfExists(contentFile(id));
        Files.deleteIfExists(envelopeFile(id));
        queueSync.sync();
    }

    /**
     * Removes a message whose delivery is done and whose content nobody reads any more. One without a
     * {@code .env} (most mail: delivered at the first attempt) leaves its file to a message to come: renamed to
     * a fresh ID from {@code ids}, it is reserved once a directory sync made the rename durable
     * ({@link #syncRecycled}, without the delivery thread waiting), so no message is received into it under a
     * name a crash could undo. Its trailer's mark is blanked first ({@link #unmarkTrailer}), and the next message
     * overwrites it in place ({@link SpoolIncomingMessage}): creating
     * files, or freeing and allocating blocks, is what costs (ext4 without a journal searches past every inode
     * deleted in the last seconds for each new one, and with {@code discard} it trims every freed block at once).
     * Until then the file keeps the old content without a valid trailer (or, if a crash kept the rename but not
     * the blanking, one that names the older message): nothing takes it for a queued message ({@link #read}), and
     * start-up removes it. A crash that undoes the rename means the message
     * is delivered again, as any delivery whose end a crash cut.
     */
    void removeDone(QueueEntry entry, Supplier<String> ids) throws IOException {
        if (!entry.stateFileWritten() && roomToRecycle()) {
            String fresh = ids.get();
            if (unmarkTrailer(entry) && rename(entry.id(), fresh)) {
                synchronized (this) {
                    recycled.add(fresh);
                }
                return;
            }
        }
        remove(entry.id());
    }

    /**
     * Blanks the mark of the file's trailer line (a few bytes, no blocks freed): a message received into the file
     * later and cut short by a crash then has no trailer at all, and start-up removes it as never acknowledged,
     * instead of finding the old trailer's length pointing into new content and taking the file for corrupt.
     *
     * @return false if the file is gone
     */
    private boolean unmarkTrailer(QueueEntry entry) throws IOException {
        FileChannel open = entry.openContent();
        try (FileChannel own = open == null ? FileChannel.open(contentFile(entry.id()), StandardOpenOption.WRITE) : null) {
            FileChannel file = open != null ? open : own;
            long length = file.size();
            if (length >= TRAILER_LINE) {
                file.write(ByteBuffer.wrap(UNMARKED), length - TRAILER_LINE);
            }
            return true;
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    private synchronized boolean roomToRecycle() {
        return reserved.size() + recycled.size() < MAX_RESERVED;
    }

    /** Renames a message file to {@code fresh}; false if that name is taken (a clock set back) or the file is gone. */
    private boolean rename(String id, String fresh) throws IOException {
        namedByThisRun(fresh);
        try {
            Files.move(contentFile(id), contentFile(fresh)); // without REPLACE_EXISTING: never over a queued message
            return true;
        } catch (FileAlreadyExistsException | NoSuchFileException e) {
            notNamedByThisRun(fresh);
            return false;
        }
    }

    /** Called before a file of this run gets the name {@code id}, so that a listing that finds it leaves it alone. */
    private void namedByThisRun(String id) {
        Set<Long> named = namedBeforeListed;
        if (named != null) {
            named.add(QueueIds.parse(id));
        }
    }

    /** The name was taken already (by a leftover, after a clock set back): it is the listing's after all. */
    private void notNamedByThisRun(String id) {
        Set<Long> named = namedBeforeListed;
        if (named != null) {
            named.remove(QueueIds.parse(id));
        }
    }

    /**
     * The content as transports send it: prepended header fields, then the received message, read from the file
     * its reception left open while there is one. The source keeps the header fields once asked for, so one source
     * serves one delivery attempt: all the transports it calls share the one read of the header.
     */
    MessageSource source(QueueEntry entry) {
        StringBuilder prefix = new StringBuilder();
        for (HeaderField h : entry.prependedHeaders()) {
            prefix.append(h).append("\r\n");
        }
        byte[] head = prefix.toString().getBytes(StandardCharsets.UTF_8);
        Path content = contentFile(entry.id());
        long size = head.length + entry.size();
        return new MessageSource() {
            /** Read once: this source serves one delivery attempt, and the content does not change during one. */
            private volatile List<HeaderField> headerFields;

            @Override
            public InputStream open() throws IOException {
                FileChannel open = entry.openContent();
                return open != null ? new ContentStream(head, open, entry.size(), false)
                        : new ContentStream(head, FileChannel.open(content, StandardOpenOption.READ), entry.size(), true);
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public List<HeaderField> headerFields() throws IOException {
                List<HeaderField> fields = headerFields;
                if (fields == null) {
                    fields = List.copyOf(MessageSource.super.headerFields());
                    headerFields = fields;
                }
                return fields;
            }
        };
    }

    /**
     * The first step of start-up: removes what a previous run left half done (partial receptions in {@code incoming/},
     * {@code .env.tmp} files, a {@code .env} whose message is gone) and lists the message files found, so that
     * {@link #recover(long[], Consumer)} can read them. It runs in the background (a million messages are two million
     * names: seconds), while this run already reserves files, receives into them and writes envelopes: a name this run
     * gave ({@link #namedBeforeListed}) is skipped, whatever its state, so only the last run's files are removed or
     * listed. A large backlog costs 8 bytes a message here.
     *
     * @return the IDs of the last run's message files, in arrival order (IDs sort by arrival)
     */
    long[] listLeftovers() throws IOException {
        Set<Long> ours = namedBeforeListed;
        if (ours == null) {
            throw new IllegalStateException("the spool's leftovers were listed already");
        }
        try {
            removePartialReceptions(ours);
            IdList messages = new IdList();
            List<String> envelopes = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(queue)) {
                for (Path p : files) {
                    String name = p.getFileName().toString();
                    if (isThisRuns(name, ours)) {
                        continue;
                    }
                    if (name.endsWith(".env.tmp")) {
                        Files.deleteIfExists(p);
                    } else if (name.endsWith(CONTENT)) {
                        listed(messages, p, idOf(name, CONTENT));
                    } else if (name.endsWith(ENVELOPE)) {
                        envelopes.add(name);
                    }
                }
            }
            long[] found = messages.sorted();
            removeOrphanEnvelopes(envelopes, found);
            return found;
        } finally {
            namedBeforeListed = null; // every later name is this run's: nothing lists the spool for leftovers again
        }
    }

    /** {@code incoming/}: what earlier versions were receiving, and rewrites ({@link #rewriteFile}) a crash cut. */
    private void removePartialReceptions(Set<Long> ours) throws IOException {
        try (DirectoryStream<Path> partial = Files.newDirectoryStream(incoming)) {
            for (Path p : partial) {
                if (!isThisRuns(p.getFileName().toString(), ours)) {
                    LOG.info("removing {}: received partly, never acknowledged", p.getFileName());
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Whether a spool file's name (its ID, up to the first dot) is one this run gave. */
    private static boolean isThisRuns(String fileName, Set<Long> ours) {
        int dot = fileName.indexOf('.');
        long number = QueueIds.parse(dot < 0 ? fileName : fileName.substring(0, dot));
        return number >= 0 && ours.contains(number);
    }

    /** A message file found at start-up: listed if this class could have named it, else read (and moved) at once. */
    private void listed(IdList messages, Path content, String id) throws IOException {
        long number = QueueIds.parse(id);
        if (number >= 0) {
            messages.add(number);
        } else {
            loadOrRemovePartial(content, id); // a stray name: read() finds its ID record differs and moves it aside
        }
    }

    /** A {@code .env} without its {@code .msg}: the rest of a message whose removal a crash interrupted. */
    private void removeOrphanEnvelopes(List<String> envelopes, long[] messages) throws IOException {
        for (String name : envelopes) {
            String id = idOf(name, ENVELOPE);
            long number = QueueIds.parse(id);
            boolean orphan = number >= 0 ? Arrays.binarySearch(messages, number) < 0 : !Files.exists(contentFile(id));
            if (orphan) {
                LOG.info("removing {}: the rest of a message whose removal a crash interrupted", name);
                Files.deleteIfExists(queue.resolve(name));
            }
        }
    }

    /**
     * Reads back the messages {@link #listLeftovers} found, one entry at a time (a large backlog is never all in
     * memory), while the queue already receives and delivers. Partial receptions are deleted (they were never
     * acknowledged); entries that cannot be read are moved to {@code corrupt/} with a log line, never stopping
     * start-up; one gone meanwhile (an operator deleted it) is skipped.
     *
     * @param goOn asked before each message: false stops the reading (the queue is closing)
     * @return how many entries were recovered
     */
    int recover(long[] leftovers, Consumer<QueueEntry> each, BooleanSupplier goOn) throws IOException {
        int count = 0;
        for (int i = 0; i < leftovers.length && goOn.getAsBoolean(); i++) {
            String id = QueueIds.format(leftovers[i]);
            Optional<QueueEntry> entry = loadOrRemovePartial(contentFile(id), id);
            if (entry.isPresent()) {
                each.accept(entry.get());
                count++;
            }
        }
        return count;
    }

    /** Queue IDs as numbers: 8 bytes each, for a million-message backlog. */
    private static final class IdList {
        private long[] ids = new long[1024];
        private int size;

        void add(long id) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
            }
            ids[size++] = id;
        }

        long[] sorted() {
            long[] result = Arrays.copyOf(ids, size);
            Arrays.sort(result);
            return result;
        }
    }

    /** The IDs of every queued message, in order (IDs sort by arrival). */
    List<String> queuedIds() throws IOException {
        List<String> ids = new ArrayList<>();
        eachQueuedId(ids::add);
        ids.sort(null);
        return ids;
    }

    /**
     * The ID of each message file, in directory order, until {@code action} returns false. Files that appear or go
     * while it runs may or may not be seen (readdir, POSIX), which suits an operator's bulk change.
     */
    void eachQueuedId(Predicate<String> action) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue, "*" + CONTENT)) {
            for (Path p : files) {
                if (!action.test(idOf(p.getFileName().toString(), CONTENT))) {
                    return;
                }
            }
        }
    }

    /** Reads an entry without changing anything; empty if it is gone or unreadable. */
    Optional<QueueEntry> peek(String id) {
        try {
            return Optional.of(read(id));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** At start-up: a message file without a trailer was never acknowledged (empty: an unused reservation). */
    private Optional<QueueEntry> loadOrRemovePartial(Path content, String id) throws IOException {
        try {
            return Optional.of(read(id));
        } catch (NotQueuedException e) {
            if (Files.size(content) > 0) {
                LOG.info("removing {}: {}", content.getFileName(), e.getMessage());
            }
            Files.deleteIfExists(content);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return unreadable(id, e);
        }
    }

    /**
     * Reads an entry; empty if it is gone (or being removed) or still being received; one that cannot be
     * read is moved to {@code corrupt/} with a log line naming it.
     */
    Optional<QueueEntry> load(String id) throws IOException {
        try {
            return Optional.of(read(id));
        } catch (IOException | RuntimeException e) {
            return unreadable(id, e);
        }
    }

    private Optional<QueueEntry> unreadable(String id, Exception e) throws IOException {
        if (!(e instanceof NoSuchFileException || e instanceof NotQueuedException)) {
            moveToCorrupt(id, e.getMessage());
        }
        return Optional.empty();
    }

    /** The state in {@code ID.env} if there is one, else the envelope trailer of {@code ID.msg}. */
    private QueueEntry read(String id) throws IOException {
        if (!Files.exists(contentFile(id))) {
            throw new NoSuchFileException(contentFile(id).toString());
        }
        QueueEntry entry;
        try {
            entry = EnvelopeFile.parse(Files.readString(envelopeFile(id), StandardCharsets.UTF_8));
            entry.stateFileWritten(true);
        } catch (NoSuchFileException noStateYet) {
            entry = readTrailer(contentFile(id));
            if (QueueIds.parse(entry.id()) >= 0 && QueueIds.parse(entry.id()) < QueueIds.parse(id)) {
                // IDs grow with time, and a file is renamed to a newer ID only once its message is done (remove)
                throw new NotQueuedException("the reused file of " + entry.id() + ", which was done; a crash kept its old content");
            }
        }
        if (!entry.id().equals(id)) {
            throw new IOException("its id record says " + entry.id());
        }
        return entry;
    }

    static QueueEntry readTrailer(Path content) throws IOException {
        try (FileChannel channel = FileChannel.open(content, StandardOpenOption.READ)) {
            long length = channel.size();
            String line = length < TRAILER_LINE ? ""
                    : new String(readAt(channel, length - TRAILER_LINE, TRAILER_LINE), StandardCharsets.US_ASCII);
            if (!line.startsWith(TRAILER_MARK) || !line.endsWith("\n")) {
                throw new NotQueuedException("received partly, never acknowledged (no envelope trailer)");
            }
            int envelopeLength = Integer.parseInt(line.substring(TRAILER_MARK.length(), TRAILER_LINE - 1));
            long start = length - TRAILER_LINE - envelopeLength;
            if (envelopeLength < 0 || start < 0) {
                throw new IOException(content.getFileName() + ": envelope trailer length out of range");
            }
            QueueEntry entry = EnvelopeFile.parse(new String(readAt(channel, start, envelopeLength), StandardCharsets.UTF_8));
            if (entry.size() != start) {
                throw new IOException(content.getFileName() + ": content is " + start + " bytes, the envelope says " + entry.size());
            }
            return entry;
        } catch (NumberFormatException e) {
            throw new IOException(content.getFileName() + ": bad envelope trailer length", e);
        }
    }

    /** A message's header section: its fields, and the empty line that ended it as found (none if nothing did). */
    record HeaderSection(byte[] fields, byte[] end) {
    }

    /**
     * Reads the header section of a message as {@link #source} gives it (RFC 5322 §2.1: up to the first empty line,
     * which ends in CRLF or, in content received with bare LFs, LF alone), keeping at most {@code maxBytes} of its
     * fields. Read up to that line, or to the end of the content if none comes; the caller closes the stream.
     */
    static HeaderSection headerSection(InputStream in, long maxBytes) throws IOException {
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            line.write(b);
            if (b == '\n' && isEmptyLine(line)) {
                return new HeaderSection(fields.toByteArray(), line.toByteArray());
            }
            // a line of two bytes or more that has not ended cannot be the empty one: it may be cut already
            boolean full = fields.size() + line.size() >= maxBytes && (b == '\n' || line.size() > 1);
            if (b == '\n' || full) {
                keep(fields, line, maxBytes);
            }
            if (full) {
                return new HeaderSection(fields.toByteArray(), new byte[0]);
            }
        }
        keep(fields, line, maxBytes);
        return new HeaderSection(fields.toByteArray(), new byte[0]);
    }

    /** A line ending in LF with nothing before it but one CR: the end of the header section. */
    private static boolean isEmptyLine(ByteArrayOutputStream line) {
        return line.size() == 1 || line.size() == 2 && line.toByteArray()[0] == '\r';
    }

    /** Adds a line to the fields, cut at {@code maxBytes}. */
    private static void keep(ByteArrayOutputStream fields, ByteArrayOutputStream line, long maxBytes) {
        fields.write(line.toByteArray(), 0, (int) Math.min(maxBytes - fields.size(), line.size()));
        line.reset();
    }

    private static byte[] readAt(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.array();
    }

    /** A message file without a trailer: reserved or being received, never acknowledged. */
    static final class NotQueuedException extends IOException {
        private static final long serialVersionUID = 1L;

        NotQueuedException(String message) {
            super(message);
        }
    }

    private void moveToCorrupt(String id, String problem) throws IOException {
        LOG.warn("{}: moved to {} because it cannot be read: {}", id, corrupt, problem);
        for (Path file : List.of(envelopeFile(id), contentFile(id))) {
            if (Files.exists(file)) {
                Files.move(file, corrupt.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static String idOf(String fileName, String suffix) {
        return fileName.substring(0, fileName.length() - suffix.length());
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
