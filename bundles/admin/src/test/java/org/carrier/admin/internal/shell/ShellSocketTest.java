package org.carrier.admin.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.shell.UnixSocketAddresses;
import org.carrier.tools.shell.ShellClient;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;
import org.apache.felix.service.command.JobListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The socket and its protocol, end to end through a real Unix domain socket, with a small command processor in place of
 * Gogo (the distribution test runs the real one).
 */
class ShellSocketTest {
    @TempDir
    Path home;
    private ShellSocket socket;

    @AfterEach
    void close() {
        if (socket != null) {
            socket.close();
        }
    }

    private Path start() {
        socket = new ShellSocket(new Processor());
        Path file = home.resolve("run/carrier.sock");
        socket.configure(config(file.toString(), true));
        return file;
    }

    @Test
    void theSocketIsForItsOwnerOnly() throws Exception {
        Path file = start();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        socket.close();
        assertFalse(Files.exists(file), "the socket file goes with the component");
    }

    @Test
    void runsACommandAndReturnsItsOutputAndStatus() {
        Path file = start();
        Result ok = client(file, List.of("echo", "hello world"));
        assertEquals(0, ok.status);
        assertEquals("hello world\n", ok.out);
        assertEquals("", ok.err);

        Result failed = client(file, List.of("fail", "ABC"));
        assertEquals(1, failed.status);
        assertEquals("partial\n", failed.out);
        assertEquals("ABC: no such message in the queue\n", failed.err);
    }

    @Test
    void aSessionKeepsItsVariablesAcrossLines() {
        Path file = start();
        InputStream originalIn = System.in;
        System.setIn(new ByteArrayInputStream("set x 42\nget x\nfail Z\nexit\n".getBytes(StandardCharsets.UTF_8)));
        try {
            Result result = client(file, List.of());
            assertEquals("42\npartial\n", result.out);
            assertEquals(1, result.status, "the last command's status");
        } finally {
            System.setIn(originalIn);
        }
    }

    @Test
    void anExistingFolderKeepsItsPermissions() throws Exception {
        Path shared = Files.createDirectories(home.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        socket = new ShellSocket(new Processor());
        Path file = shared.resolve("carrier.sock");
        socket.configure(config(file.toString(), true));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(0, client(file, List.of("echo", "x")).status);
        try (var left = Files.list(shared)) {
            assertEquals(List.of(file), left.toList(), "no private bind folder is left behind");
        }
    }

    @Test
    void aSecondInstanceDoesNotTakeOverALiveSocket() {
        Path file = start();
        ShellSocket second = new ShellSocket(new Processor());
        second.configure(config(file.toString(), true)); // logs that another Carrier listens there
        second.close();
        assertEquals("x\n", client(file, List.of("echo", "x")).out, "the first one still answers");
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        Path file = home.resolve("run/carrier.sock");
        Files.createDirectories(file.getParent());
        Files.createFile(file); // left by a Carrier killed with SIGKILL
        start();
        assertEquals(0, client(file, List.of("echo", "x")).status);
    }

    @Test
    void withoutCarrierTheClientSaysSo() {
        Result result = client(home.resolve("run/carrier.sock"), List.of("echo", "x"));
        assertEquals(ShellClient.NOT_RUNNING, result.status);
        assertTrue(result.err.contains("is Carrier running"), result.err);
    }

    /**
     * Carrier unpacked deep in a folder tree (a CI checkout): the absolute socket path is longer than a Unix socket
     * allows, the path relative to the working folder is not; both sides use that one.
     */
    @Test
    void aSocketPathTooLongForTheKernelIsReachedRelativeToTheWorkingFolder() throws Exception {
        String name = "/carrier.sock";
        Path relative = Path.of("target", "x".repeat(100 - "target/".length() - name.length()) + name);
        Path file = relative.toAbsolutePath();
        assertTrue(file.toString().length() > UnixSocketAddresses.MAX_PATH_BYTES, file.toString());
        try {
            socket = new ShellSocket(new Processor());
            socket.configure(config(file.toString(), true));
            assertTrue(Files.exists(file), "bound and moved into place");
            assertEquals("hello\n", client(file, List.of("echo", "hello")).out);
        } finally {
            close();
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        }
    }

    @Test
    void aSocketPathTooLongEitherWayIsExplained() {
        Path file = home.resolve("y".repeat(120)).resolve("carrier.sock");
        socket = new ShellSocket(new Processor());
        socket.configure(config(file.toString(), true)); // logs the reason; nothing is bound
        assertFalse(Files.exists(file));
        Result result = client(file, List.of("echo", "x"));
        assertEquals(ShellClient.NOT_RUNNING, result.status);
        assertTrue(result.err.contains("more than the " + UnixSocketAddresses.MAX_PATH_BYTES + " a Unix socket allows"), result.err);
    }

    private record Result(int status, String out, String err) {
    }

    private static Result client(Path file, List<String> command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ShellClient.run(command, file, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static ShellSocket.Config config(String path, boolean enabled) {
        return new ShellSocket.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ShellSocket.Config.class;
            }

            @Override
            public String socketPath() {
                return path;
            }

            @Override
            public boolean enabled() {
                return enabled;
            }
        };
    }

    /** Understands "echo WORDS", "set NAME VALUE", "get NAME" and "fail ID" (prints, then fails like carrier:hold). */
    private static final class Processor implements CommandProcessor {
        @Override
        public CommandSession createSession(InputStream in, OutputStream out, OutputStream err) {
            return new Session(new PrintStream(out, true, StandardCharsets.UTF_8));
        }

        @Override
        public CommandSession createSession(CommandSession parent) {
            throw new UnsupportedOperationException();
        }
    }

    private static final class Session implements CommandSession {
        private final Map<String, Object> variables = new HashMap<>();
        private final PrintStream out;

        Session(PrintStream out) {
            this.out = out;
        }

        @Override
        public Object execute(CharSequence line) {
            List<String> words = List.of(line.toString().split(" ", 2));
            String rest = words.size() > 1 ? words.get(1).replace("\"", "") : "";
            return switch (words.get(0)) {
                case "echo" -> rest;
                case "set" -> {
                    variables.put(rest.split(" ")[0], rest.split(" ")[1]);
                    yield null;
                }
                case "get" -> variables.get(rest);
                case "fail" -> {
                    out.println("partial");
                    throw new CommandFailure(rest + ": no such message in the queue");
                }
                default -> throw new IllegalArgumentException("Command not found: " + words.get(0));
            };
        }

        @Override
        public CharSequence format(Object target, int level) {
            return String.valueOf(target);
        }

        @Override
        public Path currentDir() {
            return null;
        }

        @Override
        public void currentDir(Path path) {
        }

        @Override
        public ClassLoader classLoader() {
            return null;
        }

        @Override
        public void classLoader(ClassLoader classLoader) {
        }

        @Override
        public void close() {
        }

        @Override
        public InputStream getKeyboard() {
            return InputStream.nullInputStream();
        }

        @Override
        public PrintStream getConsole() {
            return out;
        }

        @Override
        public Object get(String name) {
            return variables.get(name);
        }

        @Override
        public Object put(String name, Object value) {
            return variables.put(name, value);
        }

        @Override
        public Object convert(Class<?> type, Object instance) {
            return instance;
        }

        @Override
        public List<Job> jobs() {
            return List.of();
        }

        @Override
        public Job foregroundJob() {
            return null;
        }

        @Override
        public void setJobListener(JobListener listener) {
        }
    }
}
