package org.carrier.api.shell;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The address of a socket file, short enough for the kernel. A Unix socket's path must fit sockaddr_un's sun_path
 * (108 bytes with its terminating NUL on Linux), so Carrier unpacked deep in a folder tree would have no shell at all;
 * when the absolute path is too long, the path relative to the working folder is used instead (the JVM never changes
 * its working folder, and both bin/carrier and bin/carrier shell run in Carrier's home).
 */
public final class UnixSocketAddresses {
    /**
     * The longest path the JDK binds or connects to: sizeof(sun_path) on Linux is 108 with its terminating NUL, but
     * the JDK refuses 107 bytes too ("Unix domain path too long"), so 106.
     */
    public static final int MAX_PATH_BYTES = 106;

    private UnixSocketAddresses() {
    }

    public static UnixDomainSocketAddress of(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        if (fits(absolute)) {
            return UnixDomainSocketAddress.of(absolute);
        }
        Path relative = Paths.get("").toAbsolutePath().relativize(absolute);
        if (fits(relative)) {
            return UnixDomainSocketAddress.of(relative);
        }
        throw new IOException("the socket path " + absolute + " is " + bytes(absolute) + " bytes, more than the "
                + MAX_PATH_BYTES + " a Unix socket allows, and " + bytes(relative) + " relative to the working folder "
                + "(set a shorter socketPath in org.carrier.admin.shell, and CARRIER_SOCKET for bin/carrier shell)");
    }

    private static boolean fits(Path path) {
        return bytes(path) <= MAX_PATH_BYTES;
    }

    private static int bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8).length;
    }
}
