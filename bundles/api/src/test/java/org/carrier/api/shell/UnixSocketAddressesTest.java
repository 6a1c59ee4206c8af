package org.carrier.api.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketAddressesTest {
    /**
     * The longest absolute path the rule keeps is one the JVM can bind and connect to: a Carrier home whose socket
     * path was exactly 107 bytes had no shell ("Unix domain path too long"), because the JDK takes at most 106.
     */
    @Test
    void anAbsolutePathOfTheLongestLengthKeptBindsAndConnects(@TempDir Path dir) throws Exception {
        String base = dir.toAbsolutePath() + "/";
        Path longest = Path.of(base + "s".repeat(UnixSocketAddresses.MAX_PATH_BYTES - base.length()));
        UnixDomainSocketAddress address = UnixSocketAddresses.of(longest);
        assertEquals(longest.toString(), address.getPath().toString(), "kept absolute");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(address);
            try (SocketChannel client = SocketChannel.open(address)) {
                assertEquals(true, client.isConnected());
            }
        } finally {
            Files.deleteIfExists(longest);
        }
    }
}
