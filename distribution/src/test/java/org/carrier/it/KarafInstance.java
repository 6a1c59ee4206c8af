package org.carrier.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Apache Karaf (the distribution the build unpacked into target/karaf), copied into a work folder and set up
 * for a test: loopback-only ports of its own, no remote Maven repositories (bundles come from Karaf's system folder
 * and the build's Maven-layout folder of Carrier's bundles, so nothing is fetched from the network), a user for its
 * SSH console, and the one framework setting Carrier needs there (README, "Apache Karaf").
 */
final class KarafInstance implements AutoCloseable {
    private static final int START_SECONDS = 120;

    final Path home;
    final int sshPort;
    private final Path console;
    private Process process;

    KarafInstance(Path work) throws IOException {
        Path karaf = Path.of(System.getProperty("carrier.karaf", "target/karaf/apache-karaf"));
        if (!Files.isDirectory(karaf)) {
            throw new IllegalStateException("no Karaf at " + karaf + ": the build unpacks it before the integration tests");
        }
        home = work.resolve("karaf");
        copy(karaf, home);
        console = work.resolve("karaf-console.log");
        sshPort = Distribution.freePort();
        setUp(Path.of(System.getProperty("carrier.karaf.repository", "target/karaf-repository")).toAbsolutePath());
    }

    private void setUp(Path repository) throws IOException {
        Path etc = home.resolve("etc");
        replace(etc.resolve("org.apache.karaf.shell.cfg"), "sshPort = 8101", "sshPort = " + sshPort);
        replace(etc.resolve("org.apache.karaf.shell.cfg"), "sshHost = 0.0.0.0", "sshHost = 127.0.0.1");
        replace(etc.resolve("org.apache.karaf.management.cfg"), "rmiRegistryPort = 1099", "rmiRegistryPort = " + Distribution.freePort());
        replace(etc.resolve("org.apache.karaf.management.cfg"), "rmiServerPort = 44444", "rmiServerPort = " + Distribution.freePort());
        // The setting the README asks of a Karaf user: Karaf's list of system packages predates OSGi R8, so it omits
        // the condition package that Felix 7 has and Carrier's router needs (DS 1.5 conditions).
        replace(etc.resolve("config.properties"), "org.osgi.framework.system.packages.extra = \\\n",
                "org.osgi.framework.system.packages.extra = \\\n    org.osgi.service.condition;version=1.0, \\\n");
        append(etc.resolve("org.ops4j.pax.url.mvn.cfg"), "\norg.ops4j.pax.url.mvn.repositories=\n"
                + "org.ops4j.pax.url.mvn.defaultRepositories=${karaf.home.uri}${karaf.default.repository}@id=system.repository@snapshots, "
                + repository.toUri() + "@id=carrier@snapshots\n");
        append(etc.resolve("users.properties"), "\nkaraf = karaf,_g_:admingroup\n"
                + "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
        append(etc.resolve("system.properties"), "\ncarrier.data.dir=" + home.resolve("data/carrier") + "\n");
    }

    /** Writes a configuration file into etc/, which Karaf's FileInstall hands to ConfigAdmin. */
    void configure(String file, String content) throws IOException {
        Files.writeString(home.resolve("etc").resolve(file), content);
    }

    KarafInstance start() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = pb.start();
        if (!Distribution.waitFor(START_SECONDS, () -> Distribution.accepts(sshPort) || !process.isAlive())
                || !process.isAlive()) {
            throw new IllegalStateException("Karaf's console did not open within " + START_SECONDS + " s:\n" + log());
        }
        return this;
    }

    /** Runs console commands through Karaf's own client (bin/client, SSH, batch mode) and returns what it printed. */
    String shell(String... commands) throws Exception {
        Path output = Files.createTempFile(home, "client-", ".out");
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/client").toString(), "-a", String.valueOf(sshPort),
                "-h", "127.0.0.1", "-u", "karaf", "-p", "karaf", "-r", "10", "-b")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process client = pb.start();
        client.getOutputStream().write((String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8));
        client.getOutputStream().close();
        if (!client.waitFor(300, TimeUnit.SECONDS)) {
            client.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("bin/client did not end within 300 s: " + Files.readString(output));
        }
        return Files.readString(output);
    }

    /** Karaf's own log, data/log/karaf.log, where Carrier's bundles log too. */
    String log() throws IOException {
        Path log = home.resolve("data/log/karaf.log");
        return (Files.exists(log) ? Files.readString(log) : "") + "\n--- console ---\n"
                + (Files.exists(console) ? Files.readString(console) : "");
    }

    /** Stops Karaf: its launcher script and the JVM under it, by process id. */
    @Override
    public void close() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : tree) {
            p.onExit().completeOnTimeout(p, 20, TimeUnit.SECONDS).join();
            p.destroyForcibly();
        }
        process.waitFor(10, TimeUnit.SECONDS);
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        if (!text.contains(from)) {
            throw new IllegalStateException(file + " no longer contains \"" + from + "\": this Karaf is not the one the test knows");
        }
        Files.writeString(file, text.replace(from, to));
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardOpenOption.APPEND);
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
