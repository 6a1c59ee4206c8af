package org.carrier.admin.internal.shell;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;

import org.carrier.api.shell.ShellFrames;
import org.carrier.api.shell.UnixSocketAddresses;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.carrier.api.file.FileModes;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets {@code bin/carrier shell} (and {@code bin/mailq}) run Gogo commands in the running Carrier: a Unix domain socket
 * that only the user running Carrier may open (the file is 0600 in a 0700 folder), so no TCP port and no password.
 * Each connection gets its own Gogo session; the protocol is in {@link ShellFrames}.
 */
@Component(configurationPid = ShellSocket.PID)
@Designate(ocd = ShellSocket.Config.class)
public class ShellSocket {
    static final String PID = "org.carrier.admin.shell";
    private static final Logger LOG = LoggerFactory.getLogger(ShellSocket.class);
    /** Shells at once; more wait, so a runaway script cannot make Carrier start threads without end. */
    private static final int MAX_SESSIONS = 16;

    @ObjectClassDefinition(name = "Carrier shell socket",
            description = "The local socket that bin/carrier shell, bin/mailq and scripts use to run shell commands in the running Carrier.")
    public @interface Config {
        @AttributeDefinition(name = "Socket file",
                description = "Relative to Carrier's home folder. Only the user running Carrier can open it (mode 0600).")
        String socketPath() default "data/run/carrier.sock";

        @AttributeDefinition(name = "Enabled", description = "Off: no socket, bin/carrier shell cannot attach.")
        boolean enabled() default true;
    }

    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final Semaphore sessions = new Semaphore(MAX_SESSIONS);
    @Reference
    private CommandProcessor processor;
    private ServerSocketChannel server;
    private Path socketFile;

    public ShellSocket() {
    }

    ShellSocket(CommandProcessor processor) {
        this.processor = processor;
    }

    @Activate
    @Modified
    synchronized void configure(Config config) {
        close();
        if (!config.enabled()) {
            LOG.info("shell socket disabled");
            return;
        }
        Path file = home().resolve(config.socketPath().trim()).toAbsolutePath().normalize();
        try {
            ServerSocketChannel opened = open(file);
            server = opened;
            socketFile = file;
            // the channel itself, not the field: a close() before the thread runs sets the field to null
            Thread acceptor = new Thread(() -> accept(opened), "carrier-shell-socket");
            acceptor.setDaemon(true);
            acceptor.start();
            LOG.info("shell socket {} (bin/carrier shell)", file);
        } catch (IOException e) {
            LOG.error("shell socket {}: {}; bin/carrier shell cannot attach", file, e.toString());
        }
    }

    @Deactivate
    synchronized void close() {
        if (server == null) {
            return;
        }
        try {
            server.close();
            Files.deleteIfExists(socketFile);
        } catch (IOException e) {
            LOG.warn("closing shell socket {}: {}", socketFile, e.toString());
        }
        connections.forEach(ShellSocket::closeQuietly);
        server = null;
    }

    /** The launcher sets carrier.home and starts Carrier there; relative paths in config/ are relative to it. */
    private static Path home() {
        String home = System.getProperty("carrier.home");
        return home == null ? Paths.get("") : Paths.get(home);
    }

    /**
     * Binds the socket in a fresh private folder (0700) beside {@code file}, makes it 0600 there and only then moves it
     * to {@code file}, so that nobody else can connect in between, whatever the umask or the folder's permissions.
     */
    static ServerSocketChannel open(Path file) throws IOException {
        UnixDomainSocketAddress address = UnixSocketAddresses.of(file);
        Path folder = file.getParent();
        FileModes.PRIVATE.createFolders(folder);
        if (Files.exists(file)) {
            if (answers(address)) {
                throw new IOException("another Carrier already listens on it");
            }
            Files.delete(file); // left by a Carrier that was killed
        }
        Path privateFolder = privateFolder(folder);
        Path bound = privateFolder.resolve("s");
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixSocketAddresses.of(bound));
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-------"));
            Files.move(bound, file, StandardCopyOption.ATOMIC_MOVE);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(bound);
            throw e;
        } finally {
            Files.deleteIfExists(privateFolder);
        }
    }

    /**
     * A new 0700 folder with a short name (".bind" and 4 characters), so the socket bound in it has a path no longer
     * than the final one: a Unix socket's path has a hard limit ({@link UnixSocketAddresses}).
     */
    private static Path privateFolder(Path parent) throws IOException {
        FileAttribute<Set<PosixFilePermission>> ownerOnly =
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        for (int attempt = 1; ; attempt++) {
            String name = ".bind" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36, 36 * 36 * 36 * 36), 36);
            try {
                return Files.createDirectory(parent.resolve(name), ownerOnly);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private static boolean answers(UnixDomainSocketAddress address) {
        try (SocketChannel probe = SocketChannel.open(address)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void accept(ServerSocketChannel listening) {
        while (listening.isOpen()) {
            try {
                SocketChannel connection = listening.accept();
                sessions.acquire();
                connections.add(connection);
                Thread worker = new Thread(() -> serve(connection), "carrier-shell-session");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                if (listening.isOpen()) {
                    LOG.warn("shell socket: {}", e.toString());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void serve(SocketChannel connection) {
        try (connection;
             BufferedReader lines = new BufferedReader(new InputStreamReader(Channels.newInputStream(connection), StandardCharsets.UTF_8));
             DataOutputStream answer = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(connection)))) {
            PrintStream out = new PrintStream(new ShellFrames.FrameOutputStream(answer, ShellFrames.OUT), false, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(new ShellFrames.FrameOutputStream(answer, ShellFrames.ERR), false, StandardCharsets.UTF_8);
            try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, err)) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    int status = run(session, line, out, err);
                    out.flush();
                    err.flush();
                    ShellFrames.writeStatus(answer, status);
                }
            }
        } catch (IOException e) {
            LOG.debug("shell session ended: {}", e.toString());
        } finally {
            connections.remove(connection);
            sessions.release();
        }
    }

    /** Runs one command line; what it returns is printed as the Gogo console would; a failure is one message. */
    static int run(CommandSession session, String line, PrintStream out, PrintStream err) {
        if (line.isBlank()) {
            return 0;
        }
        try {
            Object result = session.execute(line);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
            return 0;
        } catch (Exception e) {
            err.println(message(e));
            return 1;
        }
    }

    static String message(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        if (cause instanceof CommandFailure) {
            return cause.getMessage();
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
