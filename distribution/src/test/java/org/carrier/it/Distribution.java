package org.carrier.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Where the assembled distribution is, and small waiting helpers shared by the integration tests. */
public final class Distribution {
    private Distribution() {
    }

    /** The assembled distribution folder (target/carrier), set by failsafe. */
    public static Path home() {
        String dist = System.getProperty("carrier.dist");
        if (dist == null) {
            throw new IllegalStateException("system property carrier.dist is not set; run the tests through Maven");
        }
        return Paths.get(dist);
    }

    /**
     * The configuration files as shipped (the project's config/): a manual run of target/carrier rewrites its own
     * copy (a generated console password, console edits), which the tests must not start from.
     */
    public static Path shippedConfig() {
        String config = System.getProperty("carrier.shipped.config");
        if (config == null) {
            throw new IllegalStateException("system property carrier.shipped.config is not set; run the tests through Maven");
        }
        return Paths.get(config);
    }

    public static List<Path> jars(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public static boolean accepts(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Polls {@code condition} every 100 ms for at most {@code seconds}; true as soon as it holds. */
    public static boolean waitFor(int seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    /**
     * Closes what a test started, in the order given, skipping those never started (null); every one is closed even
     * when another fails, and the first failure is thrown with the others suppressed.
     */
    public static void closeAll(AutoCloseable... resources) throws Exception {
        Exception failure = null;
        for (AutoCloseable resource : resources) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The files in a Maildir's new/ folder (none if it does not exist yet). */
    public static List<Path> newMail(Path maildir) {
        Path fresh = maildir.resolve("new");
        return Files.isDirectory(fresh) ? jarsOrFiles(fresh) : List.of();
    }

    private static List<Path> jarsOrFiles(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
