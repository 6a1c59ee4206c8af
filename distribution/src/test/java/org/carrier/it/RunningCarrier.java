package org.carrier.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A copy of the assembled distribution in its own folder, started with {@code bin/carrier} as a
 * separate process, without a terminal (as a service manager would), on free loopback ports.
 */
final class RunningCarrier implements AutoCloseable {
    final Path home;
    final int smtpPort;
    final int httpPort;
    private final Path console;
    private Process process;
    private int starts;
    private volatile boolean wellKnownPasswordAccepted;

    RunningCarrier(Path parent) throws IOException {
        home = parent.resolve("carrier");
        copyTree(Distribution.home(), home);
        copyTree(Distribution.shippedConfig(), home.resolve("config"));
        copyModes(Distribution.home().resolve("config"), home.resolve("config"));
        smtpPort = Distribution.freePort();
        httpPort = Distribution.freePort();
        replace(home.resolve("config/org.carrier.smtp.listener-default.cfg"), "port = 2525", "port = " + smtpPort);
        replace(home.resolve("conf/felix.properties"), "org.osgi.service.http.port=8080", "org.osgi.service.http.port=" + httpPort);
        console = parent.resolve("console.log");
    }

    /** Starts Carrier and waits until its SMTP listener answers. */
    RunningCarrier start() throws IOException, InterruptedException {
        return start(java.util.Map.of());
    }

    /** {@link #start()} with {@code env} added to bin/carrier's environment. */
    RunningCarrier start(java.util.Map<String, String> env) throws IOException, InterruptedException {
        long begun = System.nanoTime();
        launch(List.of(), env);
        // While Carrier starts, keep trying the web console's well-known login: it must never get in, not even early.
        if (!Distribution.waitFor(90, () -> probeWellKnownLogin() && Distribution.accepts(smtpPort) || !process.isAlive())
                || !process.isAlive()) {
            throw new IllegalStateException("Carrier did not start (start #" + starts + "); console:\n" + console());
        }
        double smtp = (System.nanoTime() - begun) / 1e9;
        // The administration starts after the mail (conf/felix.properties, carrier.startlevel.admin): the tests use the
        // web console and the shell socket at once, so they wait for those too.
        if (!Distribution.waitFor(60, () -> probeWellKnownLogin() && administrationUp() || !process.isAlive()) || !process.isAlive()) {
            throw new IllegalStateException("Carrier's web console or shell did not start (start #" + starts + "); console:\n" + console());
        }
        System.out.printf("start #%d: SMTP answered %.1f s after bin/carrier was run, the administration %.1f s%n", starts, smtp,
                (System.nanoTime() - begun) / 1e9);
        return this;
    }

    /** The web console's port accepts (when HTTP is on) and the shell socket is there (when the admin bundle is). */
    private boolean administrationUp() {
        boolean http = !read(home.resolve("conf/felix.properties")).contains("org.apache.felix.http.enable=false");
        boolean admin = Files.exists(home.resolve("bundle")) && listNames(home.resolve("bundle")).anyMatch(n -> n.startsWith("org.carrier.admin-"));
        return (!http || Distribution.accepts(httpPort)) && (!admin || shellAnswers(home.resolve("data/run/carrier.sock")));
    }

    /** A connection to the shell socket is accepted (a file left by a killed run accepts none). */
    private static boolean shellAnswers(Path socket) {
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > 106) {
            return Files.exists(socket); // longer than the JDK connects to (UnixSocketAddresses.MAX_PATH_BYTES)
        }
        try (java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            return channel.connect(java.net.UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }

    private static Stream<String> listNames(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).toList().stream();
        } catch (IOException e) {
            return Stream.empty();
        }
    }

    /** Runs bin/carrier without a terminal (as a service manager would), its output appended to the console file. */
    private void launch() throws IOException {
        launch(List.of(), java.util.Map.of());
    }

    /**
     * Runs bin/carrier through {@code prefix} (a command that runs the next one, such as setpriv) with {@code env}
     * added to the environment, without waiting for it; {@link #stop()} stops it.
     */
    void launch(List<String> prefix, java.util.Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.add(home.resolve("bin/carrier").toString()); // as the README runs it: the script must be executable
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // Without a terminal the console would show warnings only; the tests read the INFO lines from it.
        pb.environment().put("CARRIER_CONSOLE_LEVEL", "INFO");
        pb.environment().putAll(env);
        process = pb.start();
        starts++;
    }

    /**
     * Starts Carrier and waits at most {@code seconds} for it to exit on its own: its exit status, or empty if it was
     * still running then (it is stopped).
     */
    java.util.OptionalInt startExpectingExit(int seconds) throws IOException, InterruptedException {
        launch();
        if (process.waitFor(seconds, TimeUnit.SECONDS)) {
            return java.util.OptionalInt.of(process.exitValue());
        }
        stop();
        return java.util.OptionalInt.empty();
    }

    /** Whether the Carrier process started last is running. */
    boolean alive() {
        return process != null && process.isAlive();
    }

    /** The CPU time Carrier's JVM has used so far (bin/carrier execs it, so it is the process started). */
    java.time.Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("no CPU time for " + process));
    }

    /** The process ID of Carrier's JVM (bin/carrier execs it, so it is the process started). */
    long pid() {
        return process.pid();
    }

    /** Whether the web console ever accepted admin/admin since this instance was created. */
    boolean wellKnownPasswordAccepted() {
        return wellKnownPasswordAccepted;
    }

    /**
     * Tries admin/admin once; always true, so it can run inside a wait condition. From an address of its own
     * (127.0.0.3): the console slows down failed logins per address, which must not hold up the tests' own logins.
     */
    private boolean probeWellKnownLogin() {
        try {
            if (LoopbackHttp.get("127.0.0.3", httpPort, "/system/console/bundles", "admin", "admin", 1000) == 200) {
                wellKnownPasswordAccepted = true;
            }
        } catch (IOException e) {
            // not listening yet, or the answer to a failed login is held back
        }
        return true;
    }

    /** Stops Carrier the way a service manager does (SIGTERM) and waits for it to exit. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Kills Carrier without warning (SIGKILL: bin/carrier execs the JVM), as a power cut or the OOM killer would. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("Carrier survived SIGKILL");
            }
        }
    }

    /** Writes a configuration file into the config folder (before start, or live: FileInstall picks it up). */
    void configure(String fileName, String text) throws IOException {
        Files.writeString(home.resolve("config").resolve(fileName), text, StandardCharsets.ISO_8859_1);
    }

    String console() {
        try {
            return Files.exists(console) ? Files.readString(console, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(console unreadable: " + e + ")";
        }
    }

    /** logs/carrier.log once it holds {@code text} (lines are written asynchronously), or as it is after 30 s. */
    String awaitLog(String text) throws InterruptedException {
        Path file = home.resolve("logs/carrier.log");
        Distribution.waitFor(30, () -> read(file).contains(text));
        return read(file);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The file a web console password generated at first start is written to (never to the log). */
    Path passwordFile() {
        return home.resolve("data/console-password");
    }

    /** The web console password generated at first start, read from {@link #passwordFile()}. */
    String generatedPassword() throws InterruptedException {
        Path file = passwordFile();
        Distribution.waitFor(30, () -> !read(file).isBlank());
        String password = read(file).strip();
        if (password.isEmpty()) {
            throw new IllegalStateException("no generated password in " + file + "; console:\n" + console());
        }
        return password;
    }

    /** What a script of the distribution did: its exit status and its output. */
    record Ran(int status, String out, String err) {
    }

    /** Runs one command through {@code bin/carrier shell} and returns what it printed (out, then err). */
    String shell(String... command) {
        Ran ran = shellRun(command);
        return ran.out() + ran.err();
    }

    /** Runs one command through {@code bin/carrier shell}: its exit status and its output, apart. */
    Ran shellRun(String... command) {
        try {
            List<String> args = new ArrayList<>(List.of("shell"));
            args.addAll(List.of(command));
            return bin("carrier", "", args.toArray(String[]::new));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs {@code bin/SCRIPT ARGS} with {@code stdin} as its input, from the root folder (scripts must work from any
     * current directory), as a program on this host would, and waits for it (at most 60 s).
     */
    Ran bin(String script, String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(home.resolve("bin").resolve(script).toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile(home.getParent(), script, ".out");
        Path err = Files.createTempFile(home.getParent(), script, ".err");
        Process run = new ProcessBuilder(command).directory(new File("/"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try (var input = run.getOutputStream()) {
            input.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        if (!run.waitFor(60, TimeUnit.SECONDS)) {
            run.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(command + " did not finish within 60 s");
        }
        return new Ran(run.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    Path maildir(String user) {
        return home.resolve("data/mailboxes").resolve(user);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        if (!text.contains(from)) {
            throw new IllegalStateException(file + " does not contain " + from);
        }
        Files.writeString(file, text.replace(from, to), StandardCharsets.ISO_8859_1);
    }

    /** Git keeps no mode 0600: the configuration files get the modes the distribution gives them (its secrets 0600). */
    private static void copyModes(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(to)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path shipped = from.resolve(file.getFileName());
                if (Files.isRegularFile(shipped)) {
                    Files.setPosixFilePermissions(file, Files.getPosixFilePermissions(shipped));
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path source : (Iterable<Path>) all::iterator) {
                String relative = from.relativize(source).toString();
                if (relative.startsWith("data") || relative.startsWith("logs/") || relative.startsWith("config/")) {
                    continue; // state of a manual run in target/carrier (its data, logs and edited config) is not shipped
                }
                Path target = to.resolve(relative);
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
