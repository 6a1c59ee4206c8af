package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Dovecot (dovecot-core + dovecot-lmtpd) for the test: its own dovecot.conf in a temp folder, LMTP on
 * 127.0.0.1 and a free port and on a Unix socket, test users in a passwd-file, Maildirs under the folder,
 * everything as the current user (as root, mail goes to the users as {@code nobody}: Dovecot refuses uid 0
 * for mail). Started with {@code dovecot -F}, stopped on close.
 */
final class Dovecot implements AutoCloseable {
    private final Path root;
    private final int port;
    private final Process process;

    private Dovecot(Path root, int port, Process process) {
        this.root = root;
        this.port = port;
        this.process = process;
    }

    /** Starts Dovecot with the given users; waits until LMTP answers. */
    static Dovecot start(Path root, String... users) throws IOException, InterruptedException {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        boolean isRoot = "0".equals(run("id", "-u"));
        String owner = isRoot ? "nobody" : System.getProperty("user.name");
        String mailUid = run("id", "-u", owner);
        String mailGid = run("id", "-g", owner);
        Path mail = Files.createDirectories(root.resolve("mail"));
        StringBuilder passwd = new StringBuilder();
        for (String user : users) {
            passwd.append(user).append("::").append(mailUid).append(':').append(mailGid).append("::")
                    .append(mail.resolve(user)).append("::\n");
        }
        Files.writeString(root.resolve("users"), passwd);
        if (isRoot) {
            run("chown", owner + ":", mail.toString());
        }
        int port = freePort();
        String self = System.getProperty("user.name");
        Files.writeString(root.resolve("dovecot.conf"), String.join("\n",
                "base_dir = " + root.resolve("run"),
                "state_dir = " + root.resolve("state"),
                "log_path = " + root.resolve("dovecot.log"),
                "protocols = lmtp",
                "listen = 127.0.0.1",
                "ssl = no",
                "default_internal_user = " + self,
                "default_internal_group = " + run("id", "-gn"),
                "default_login_user = " + self,
                "first_valid_uid = 0",
                "first_valid_gid = 0",
                "mail_location = maildir:~",
                "passdb {", "  driver = static", "  args = nopassword=y", "}",
                "userdb {", "  driver = passwd-file", "  args = username_format=%n " + root.resolve("users"), "}",
                "service lmtp {",
                "  inet_listener lmtp {", "    address = 127.0.0.1", "    port = " + port, "  }",
                "  unix_listener lmtp-carrier {", "    mode = 0600", "  }",
                "}",
                "service anvil {", "  chroot =", "}",
                "service stats {", "  chroot =", "}", ""), StandardCharsets.US_ASCII);
        Process process = new ProcessBuilder(Files.exists(Path.of("/usr/sbin/dovecot")) ? "/usr/sbin/dovecot" : "dovecot", "-F", "-c", root.resolve("dovecot.conf").toString())
                .redirectErrorStream(true).redirectOutput(root.resolve("dovecot.out").toFile()).start();
        Dovecot dovecot = new Dovecot(root, port, process);
        dovecot.awaitReady();
        return dovecot;
    }

    int port() {
        return port;
    }

    Path socket() {
        return root.resolve("run/lmtp-carrier");
    }

    /** The messages in a user's Maildir {@code new/}. */
    List<Path> inbox(String user) throws IOException {
        Path fresh = root.resolve("mail").resolve(user).resolve("new");
        if (!Files.isDirectory(fresh)) {
            return List.of();
        }
        try (var files = Files.list(fresh)) {
            return files.sorted().toList();
        }
    }

    Path mailbox(String user) {
        return root.resolve("mail").resolve(user);
    }

    String log() throws IOException {
        Path log = root.resolve("dovecot.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("dovecot exited with " + process.exitValue() + ": "
                        + Files.readString(root.resolve("dovecot.out")) + log());
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                if (Files.exists(socket())) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IOException("dovecot did not open its LMTP port within 20 s: " + log());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
