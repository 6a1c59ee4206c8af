package org.carrier.delivery.local.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.carrier.api.file.FileModes;

/**
 * One Maildir (cr.yp.to/proto/maildir.html): a message is written to {@code tmp/} under a unique
 * name, synced, then renamed into {@code new/}, whose directory is synced too; so a reader never sees
 * a partial message, and a delivered message survives a crash.
 */
final class Maildir {
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final String PID = Long.toString(ProcessHandle.current().pid());

    private final Path root;
    private final FileModes modes;

    /** @param modes of the folders and message files created ({@link FileModes#PRIVATE} unless a reader needs more) */
    Maildir(Path root, FileModes modes) {
        this.root = root;
        this.modes = modes;
    }

    Path root() {
        return root;
    }

    /**
     * Delivers {@code prefix} followed by {@code content}; returns the file in {@code new/}.
     * On failure nothing is left in {@code tmp/}.
     */
    Path deliver(String prefix, InputStream content, String hostname) throws IOException {
        Path tmp = modes.createFolders(root.resolve("tmp"));
        Path fresh = modes.createFolders(root.resolve("new"));
        modes.createFolders(root.resolve("cur"));
        String name = uniqueName(hostname);
        Path temp = tmp.resolve(name);
        try {
            try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    modes.fileAttributes(tmp))) {
                modes.apply(temp);
                OutputStream out = Channels.newOutputStream(channel);
                out.write(prefix.getBytes(StandardCharsets.UTF_8));
                content.transferTo(out);
                out.flush();
                channel.force(true);
            }
            Path target = fresh.resolve(name);
            move(temp, target);
            syncDirectory(fresh);
            return target;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Makes the rename durable; some platforms cannot open a directory for sync, which is then left to the OS. */
    static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // not supported here (e.g. Windows); the rename itself is still atomic
        }
    }

    /** {@code time.MmicrosPpidQcounter.host}, unique per host as Maildir requires. */
    private static String uniqueName(String hostname) {
        long nanos = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
        return (nanos / 1_000_000) + ".M" + (nanos % 1_000_000) + "P" + PID + "Q" + COUNTER.incrementAndGet()
                + "." + hostname.replace("/", "\\057").replace(":", "\\072");
    }

}
