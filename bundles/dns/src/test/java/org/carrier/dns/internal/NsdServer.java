package org.carrier.dns.internal;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real authoritative DNS server for tests: Debian's nsd serving the given zones on 127.0.0.1 and a free port,
 * in the foreground, stopped by {@link #close()}. Fails (never skips) when nsd is not installed.
 */
public final class NsdServer implements AutoCloseable {
    private static final String HOST = "127.0.0.1";

    private final Process process;
    private final int port;
    private final Path directory;

    private NsdServer(Process process, int port, Path directory) {
        this.process = process;
        this.port = port;
        this.directory = directory;
    }

    /**
     * Starts nsd with one zone per entry (origin without trailing dot, then the zone's records, relative to the
     * origin), each given an SOA whose minimum (negative TTL, RFC 2308 §4) is {@code negativeTtl} seconds.
     */
    public static NsdServer start(Map<String, String> zones, int negativeTtl) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(zones, negativeTtl);
            } catch (IOException e) {
                // Other test runs on this host pick free ports too: one may take ours between freePort() and nsd's bind.
                if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    private static NsdServer startOnce(Map<String, String> zones, int negativeTtl) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("carrier-nsd-");
        int port = freePort();
        StringBuilder conf = new StringBuilder()
                .append("server:\n  ip-address: ").append(HOST).append('@').append(port).append('\n')
                .append("  port: ").append(port).append('\n')
                .append("  do-ip6: no\n  username: \"\"\n  chroot: \"\"\n  database: \"\"\n")
                .append("  zonesdir: \"").append(dir).append("\"\n")
                .append("  zonelistfile: \"").append(dir.resolve("zone.list")).append("\"\n")
                .append("  xfrdfile: \"").append(dir.resolve("xfrd.state")).append("\"\n")
                .append("  xfrdir: \"").append(dir).append("\"\n")
                .append("  pidfile: \"").append(dir.resolve("nsd.pid")).append("\"\n")
                .append("  logfile: \"").append(dir.resolve("nsd.log")).append("\"\n")
                .append("  server-count: 1\n  verbosity: 1\n  refuse-any: yes\n")
                .append("remote-control:\n  control-enable: no\n");
        for (Map.Entry<String, String> zone : zones.entrySet()) {
            String origin = zone.getKey();
            Path file = dir.resolve(origin + ".zone");
            Files.writeString(file, "$ORIGIN " + origin + ".\n$TTL 300\n"
                    + "@ SOA ns." + origin + ". hostmaster." + origin + ". 1 3600 600 86400 " + negativeTtl + "\n"
                    + "@ NS ns." + origin + ".\nns A " + HOST + "\n" + zone.getValue() + "\n", StandardCharsets.US_ASCII);
            conf.append("zone:\n  name: \"").append(origin).append("\"\n  zonefile: \"").append(file).append("\"\n");
        }
        Path confFile = dir.resolve("nsd.conf");
        Files.writeString(confFile, conf.toString(), StandardCharsets.US_ASCII);
        // Debian installs nsd in /usr/sbin, which is not on every user's PATH.
        String nsd = Files.isExecutable(Path.of("/usr/sbin/nsd")) ? "/usr/sbin/nsd" : "nsd";
        Process process = new ProcessBuilder(nsd, "-d", "-c", confFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nsd.out").toFile()).start();
        NsdServer server = new NsdServer(process, port, dir);
        server.awaitAnswers(zones.keySet().iterator().next());
        return server;
    }

    /** The address and port to configure as the resolver's server. */
    public InetSocketAddress address() {
        return new InetSocketAddress(HOST, port);
    }

    /** {@code 127.0.0.1:port}, the form the resolver's {@code servers} setting takes. */
    public String server() {
        return HOST + ":" + port;
    }

    private void awaitAnswers(String zone) throws IOException, InterruptedException {
        SimpleResolver probe = new SimpleResolver(address());
        probe.setTimeout(Duration.ofMillis(200));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = log();
                close();
                throw new IOException("nsd exited with " + process.exitValue() + ": " + log);
            }
            try {
                // Any answer will do: nsd loads its zones before it serves, so one that answers has them all.
                probe.send(Message.newQuery(Record.newRecord(Name.fromString(zone + "."), Type.SOA, 1)));
                return;
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        String log = log();
        close();
        throw new IOException("nsd did not answer within 15 s: " + log);
    }

    private String log() throws IOException {
        Path out = directory.resolve("nsd.out");
        Path log = directory.resolve("nsd.log");
        return (Files.exists(out) ? Files.readString(out) : "") + (Files.exists(log) ? Files.readString(log) : "");
    }

    /** A port free for both UDP and TCP on the loopback address (nsd serves both). */
    public static int freePort() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(HOST), 0))) {
                int port = udp.getLocalPort();
                try (ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getByName(HOST))) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no free port");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // only a leftover temporary folder
        }
    }
}
