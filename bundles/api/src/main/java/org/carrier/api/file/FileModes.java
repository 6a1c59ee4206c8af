package org.carrier.api.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The permissions of the folders and files Carrier creates. Mail, queue files, state and secrets are for Carrier's
 * user alone ({@link #PRIVATE}: folders 0700, files 0600, as Postfix keeps its queue), given explicitly where they are
 * created rather than left to the umask, so that Carrier started without bin/carrier (embedded, or from a shell with
 * umask 022) is as safe. A wider mode ({@link #ofFolderMode}) is for what another program must read, such as Maildirs
 * read by a delivery agent running as another user of the same group. On a file system without POSIX permissions
 * the modes are not set (that file system decides).
 */
public final class FileModes {
    /** Folders 0700, files 0600. */
    public static final FileModes PRIVATE = new FileModes(PosixFilePermissions.fromString("rwx------"));

    private static final boolean DEFAULT_IS_POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private final Set<PosixFilePermission> folder;
    private final Set<PosixFilePermission> file;

    private FileModes(Set<PosixFilePermission> folder) {
        this.folder = Set.copyOf(folder);
        Set<PosixFilePermission> files = EnumSet.copyOf(folder);
        files.removeAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE));
        this.file = Set.copyOf(files);
    }

    /**
     * A folder mode in octal ({@code 0700}, {@code 0750}, {@code 0770}; at most {@code 0777}); files get the same
     * permissions without execute ({@code 0750} gives {@code 0640}). The owner must keep {@code rwx}, or Carrier could
     * not write its own folders.
     *
     * @throws IllegalArgumentException naming what is expected
     */
    public static FileModes ofFolderMode(String octal) {
        String mode = octal == null ? "" : octal.strip();
        if (!mode.matches("0?[0-7]{3}")) {
            throw new IllegalArgumentException("not an octal folder mode such as 0700 or 0750: \"" + octal + "\"");
        }
        int bits = Integer.parseInt(mode, 8);
        if ((bits & 0700) != 0700) {
            throw new IllegalArgumentException("the owner needs rwx (07..): \"" + octal + "\"");
        }
        return new FileModes(permissions(bits));
    }

    private static Set<PosixFilePermission> permissions(int bits) {
        // PosixFilePermission's order is the mode's, from owner read (0400) to others execute (0001)
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = PosixFilePermission.values();
        for (int i = 0; i < order.length; i++) {
            if ((bits & (0400 >> i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }

    /** The folder mode in octal, as a setting writes it: {@code 0700}. */
    public String folderMode() {
        return octal(folder);
    }

    /** The file mode in octal: {@code 0600}. */
    public String fileMode() {
        return octal(file);
    }

    private static String octal(Set<PosixFilePermission> permissions) {
        int bits = 0;
        for (PosixFilePermission p : permissions) {
            bits |= 0400 >> p.ordinal();
        }
        return String.format("0%03o", bits);
    }

    /**
     * For {@code FileChannel.open}, {@code Files.createFile} and {@code Files.createTempFile} in {@code folder}: the
     * file is created with at most this mode (the umask may take more away; {@link #apply} then widens it).
     */
    public FileAttribute<?>[] fileAttributes(Path folder) {
        return posix(folder) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(file)} : new FileAttribute<?>[0];
    }

    /**
     * Gives a file created with {@link #fileAttributes} its mode where the umask took permissions away that this mode
     * grants (group read for a delivery agent); the private mode needs nothing, so costs no system call.
     */
    public void apply(Path created) throws IOException {
        if (!equals(PRIVATE) && posix(created) && !Files.getPosixFilePermissions(created).equals(file)) {
            Files.setPosixFilePermissions(created, file);
        }
    }

    /**
     * Creates {@code dir} and the missing folders above it in this mode (folders that exist are left as they are: an
     * administrator's choice); returns {@code dir}.
     */
    public Path createFolders(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = absolute; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        for (Path p : missing) {
            try {
                if (posix(p.getParent())) {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(folder));
                    if (!equals(PRIVATE)) {
                        Files.setPosixFilePermissions(p, folder); // the umask may have taken away the group's bits
                    }
                } else {
                    Files.createDirectory(p);
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw e;
                }
                // made at the same moment by another thread or process
            }
        }
        return dir;
    }

    /**
     * Replaces {@code file} with {@code text} (UTF-8) in one step, for state kept as one snapshot file: the folders
     * are made in this mode if missing, a temporary file beside it ({@code NAME.tmp}) is written in this mode and
     * synced, then renamed over {@code file} (an atomic move), so a crash at any moment leaves the old snapshot or
     * the new one, never a mix.
     */
    public void replace(Path file, String text) throws IOException {
        Path folder = createFolders(file.toAbsolutePath().getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary); // a leftover of a crash keeps its mode: made anew, it gets ours
        try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                fileAttributes(folder))) {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(text);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        apply(temporary);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean posix(Path path) {
        if (path == null) {
            return false;
        }
        FileSystem fs = path.getFileSystem();
        // asked once for the default file system: the queue asks for every message it receives
        return fs == FileSystems.getDefault() ? DEFAULT_IS_POSIX : fs.supportedFileAttributeViews().contains("posix");
    }

    /**
     * The warning for a secret (a password file, a private key) that users other than Carrier's may read or change:
     * {@code FILE is open to group or others (rw-r--r--); it holds WHAT: chmod 600 it}, once per file and mode in
     * this JVM (two listeners naming one users file make one line); empty if it is private, missing, or not on a
     * POSIX file system.
     */
    public static Optional<String> exposedSecret(Path secret, String what) {
        Set<PosixFilePermission> mode;
        try {
            if (!posix(secret) || !Files.exists(secret)) {
                return Optional.empty();
            }
            mode = Files.getPosixFilePermissions(secret);
        } catch (IOException | SecurityException e) {
            return Optional.empty(); // unreadable to us: its reader reports that
        }
        Set<PosixFilePermission> others = EnumSet.copyOf(mode);
        others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
        String shown = PosixFilePermissions.toString(mode);
        if (others.isEmpty() || !WARNED.add(secret.toAbsolutePath().normalize() + " " + shown)) {
            return Optional.empty();
        }
        return Optional.of(secret + " is open to group or others (" + shown + "); it holds " + what + ": chmod 600 it");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileModes m && m.folder.equals(folder);
    }

    @Override
    public int hashCode() {
        return folder.hashCode();
    }

    @Override
    public String toString() {
        return "folders " + folderMode() + ", files " + fileMode();
    }
}
