package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The shipped systemd unit (issue 19): systemd accepts it, and Carrier started as it says (an unprivileged user, the
 * one capability CAP_NET_BIND_SERVICE as an ambient capability, no new privileges) binds port 25 and receives mail.
 * The container has no systemd as PID 1, so util-linux's setpriv applies the unit's user and capability settings.
 */
class ServiceUnitIT {
    private static final Path UNIT = Distribution.home().resolve("systemd/carrier.service");
    /** The unprivileged user; the unit's own (carrier) is not created on a test machine. */
    private static final String USER = "nobody";

    @Test
    void systemdAnalyzeVerifyAcceptsTheUnitWithoutAWord() throws Exception {
        Path work = Files.createTempDirectory(Distribution.home().getParent(), "e2e-unit-");
        RunningCarrier unpacked = new RunningCarrier(work);
        // the unit names /opt/carrier; verify checks that ExecStart exists and is executable, so point it at a copy
        Path unit = work.resolve("carrier.service");
        Files.writeString(unit, unit().replace("/opt/carrier", unpacked.home.toString()), StandardCharsets.UTF_8);
        Ran verify = run(List.of("systemd-analyze", "verify", unit.toString()));
        assertEquals(0, verify.status, verify.out);
        assertEquals("", verify.out.strip(), "systemd-analyze verify has something to say");

        // and verify does judge: the same unit with a mistyped setting is not accepted silently
        Path broken = work.resolve("broken.service");
        Files.writeString(broken, Files.readString(unit).replace("NoNewPrivileges=yes", "NoNewPrivilege=yes"), StandardCharsets.UTF_8);
        assertTrue(run(List.of("systemd-analyze", "verify", broken.toString())).out.contains("NoNewPrivilege"));
    }

    @Test
    void asAnUnprivilegedUserWithOnlyTheUnitsCapabilityCarrierBindsPort25AndReceivesMail() throws Exception {
        assertEquals("0", run(List.of("id", "-u")).out.strip(),
                "this test switches to the user " + USER + " with setpriv, which needs root (CI runs as root)");
        String unit = unit();
        assertTrue(unit.contains("\nNoNewPrivileges=yes\n"), unit);
        String capability = setting(unit, "AmbientCapabilities");
        assertEquals(capability, setting(unit, "CapabilityBoundingSet"), "the one capability, and no other");
        String cap = capability.replaceFirst("^CAP_", "").toLowerCase(java.util.Locale.ROOT);
        String address = freeAddressOnPort25();

        // under /tmp: the user must be able to reach it (the build folder may be below a private home)
        Path work = Files.createTempDirectory(Paths.get("/tmp"), "carrier-unit-");
        RunningCarrier carrier = new RunningCarrier(work);
        try {
            carrier.configure("org.carrier.smtp.listener-default.cfg", "name = default\nbindAddress = " + address + "\nport = 25\n");
            assertEquals(0, run(List.of("chown", "-R", USER + ":", work.toString())).status);
            List<String> setpriv = List.of("setpriv", "--reuid=" + USER, "--regid=" + run(List.of("id", "-g", USER)).out.strip(),
                    "--clear-groups", "--inh-caps=+" + cap, "--ambient-caps=+" + cap, "--bounding-set=-all,+" + cap, "--no-new-privs", "--");
            carrier.launch(setpriv, Map.of("JAVA", java()));
            boolean up = Distribution.waitFor(90, () -> accepts(address) || !carrier.alive());
            assertTrue(up && carrier.alive(), "Carrier did not listen on " + address + ":25:\n" + carrier.console());

            String status = Files.readString(Path.of("/proc/" + carrier.pid() + "/status"));
            assertTrue(status.contains("\nUid:\t" + run(List.of("id", "-u", USER)).out.strip() + "\t"), status);
            assertTrue(status.contains("\nCapEff:\t0000000000000400\n"), "only CAP_NET_BIND_SERVICE (bit 10): " + status);
            try (SmtpClient c = new SmtpClient(address, 25)) {
                assertTrue(c.reply().startsWith("220"));
                assertTrue(c.command("EHLO client.test").startsWith("250"));
                assertTrue(c.command("MAIL FROM:<sender@client.test>").startsWith("250"));
                assertTrue(c.command("RCPT TO:<alice@localhost>").startsWith("250"));
                String queued = c.data(SmtpClient.message("port 25 without root", 100));
                assertTrue(queued.startsWith("250"), queued);
            }
            assertTrue(Distribution.waitFor(30, () -> Distribution.newMail(carrier.maildir("alice")).size() == 1), carrier.console());
            System.out.printf("Carrier as %s with %s only: listened on %s:25 and delivered%n", USER, capability, address);
        } finally {
            carrier.close();
        }
        deleteTree(work);
    }

    private static String unit() throws IOException {
        return Files.readString(UNIT, StandardCharsets.UTF_8);
    }

    private static String setting(String unit, String key) {
        return unit.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1).strip()).findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in " + UNIT));
    }

    /** 127.0.0.1:25 if free, else another loopback address (a Postfix from the test peers may hold 25 on one). */
    private static String freeAddressOnPort25() throws IOException {
        for (int last = 1; last < 40; last += last == 1 ? 24 : 1) {
            String address = "127.0.0." + last;
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(InetAddress.getByName(address), 25));
                return address;
            } catch (IOException taken) {
                // next
            }
        }
        throw new IllegalStateException("port 25 is taken on 127.0.0.1 and 127.0.0.25-39");
    }

    private static boolean accepts(String address) {
        try (Socket s = new Socket(address, 25)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A java the unprivileged user can run: the system's, or this JVM's. */
    private static String java() {
        Path system = Path.of("/usr/bin/java");
        return Files.isExecutable(system) ? system.toString() : Path.of(System.getProperty("java.home"), "bin/java").toString();
    }

    private record Ran(int status, String out) {
    }

    private static Ran run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command + " did not finish");
        }
        return new Ran(p.exitValue(), out);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            List<Path> paths = new ArrayList<>(all.sorted(Comparator.reverseOrder()).toList());
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        }
    }
}
