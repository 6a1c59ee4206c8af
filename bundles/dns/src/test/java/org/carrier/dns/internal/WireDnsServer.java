package org.carrier.dns.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A small authoritative DNS server for tests, speaking the DNS wire format (RFC 1035 §4) over UDP and TCP on
 * 127.0.0.1 and one free port. It serves a {@link Zone} that a test can swap at any time, including what real
 * servers do not do on demand: names that never get an answer (a timeout for the client) and fixed RCODEs.
 * <p>
 * Answers follow CNAMEs within the zone (RFC 1034 §3.6.2), stopping at a loop; names without records of the asked
 * type get NOERROR with no answer (NODATA), names that do not exist NXDOMAIN, both with an SOA for negative caching
 * (RFC 2308). A UDP answer larger than the client's buffer (512 bytes, or its EDNS size) is truncated (TC), so that
 * the client asks again over TCP.
 */
public final class WireDnsServer implements AutoCloseable {
    private static final long TTL = 60;
    private static final int MAX_CNAME_CHAIN = 8;
    private static final Name SOA_HOST = Name.fromConstantString("ns.test.");

    /** The data served: records by owner name, names that never answer, names with a fixed RCODE. */
    public static final class Zone {
        private final Map<Name, List<Record>> records = new HashMap<>();
        private final Set<Name> silent = new HashSet<>();
        private final Map<Name, Integer> rcodes = new HashMap<>();

        /** Adds a record (its owner must be absolute). */
        public Zone add(Record record) {
            records.computeIfAbsent(record.getName(), n -> new ArrayList<>()).add(record);
            return this;
        }

        /** Questions about {@code name} for which it has no records of the asked type are never answered. */
        public Zone timeout(Name name) {
            silent.add(name);
            return this;
        }

        /** Every question about {@code name} gets this RCODE (e.g. {@link Rcode#SERVFAIL}) and no records. */
        public Zone rcode(Name name, int rcode) {
            rcodes.put(name, rcode);
            return this;
        }

        /** The answer to a question, or {@code null} for none at all. */
        Message answer(Message query) {
            Record question = query.getQuestion();
            Message response = new Message(query.getHeader().getID());
            response.getHeader().setFlag(Flags.QR);
            response.getHeader().setFlag(Flags.AA);
            if (query.getHeader().getFlag(Flags.RD)) {
                response.getHeader().setFlag(Flags.RD);
            }
            response.addRecord(question, Section.QUESTION);
            Name name = question.getName();
            Integer rcode = rcodes.get(name);
            if (rcode != null) {
                response.getHeader().setRcode(rcode);
                return response;
            }
            Set<Name> seen = new HashSet<>();
            while (seen.add(name) && seen.size() <= MAX_CNAME_CHAIN) {
                List<Record> here = records.getOrDefault(name, List.of());
                List<Record> wanted = here.stream().filter(r -> r.getType() == question.getType()).toList();
                if (!wanted.isEmpty()) {
                    Name owner = name;
                    wanted.forEach(r -> response.addRecord(r.withName(owner), Section.ANSWER));
                    return response;
                }
                Record cname = here.stream().filter(r -> r.getType() == Type.CNAME).findFirst().orElse(null);
                if (cname == null) {
                    if (silent.contains(name)) {
                        return null;
                    }
                    Name asked = name;
                    boolean exists = records.keySet().stream().anyMatch(n -> n.subdomain(asked));
                    if (!exists && response.getSection(Section.ANSWER).isEmpty()) {
                        response.getHeader().setRcode(Rcode.NXDOMAIN);
                    }
                    response.addRecord(new SOARecord(Name.root, DClass.IN, TTL, SOA_HOST, SOA_HOST, 1, 3600, 600, 86400, TTL),
                            Section.AUTHORITY);
                    return response;
                }
                response.addRecord(cname, Section.ANSWER);
                name = ((CNAMERecord) cname).getTarget();
            }
            return response;
        }
    }

    /**
     * A TXT-like record (TXT, or SPF type 99) of exactly these strings, each sent as its bytes (no zone-file escapes),
     * split into pieces of at most 255 bytes (RFC 1035 §3.3.14).
     */
    public static Record text(Name owner, int type, List<byte[]> strings) {
        ByteArrayOutputStream rdata = new ByteArrayOutputStream();
        for (byte[] s : strings) {
            int offset = 0;
            do {
                int length = Math.min(255, s.length - offset);
                rdata.write(length);
                rdata.write(s, offset, length);
                offset += length;
            } while (offset < s.length);
        }
        return Record.newRecord(owner, type, DClass.IN, TTL, rdata.toByteArray());
    }

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "wire-dns");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile Zone zone = new Zone();

    private WireDnsServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
    }

    /** Starts serving an empty zone on 127.0.0.1, UDP and TCP on the same free port. */
    public static WireDnsServer start() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        for (int attempt = 0; ; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
            try {
                ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 50, loopback);
                WireDnsServer server = new WireDnsServer(udp, tcp);
                server.threads.execute(server::serveUdp);
                server.threads.execute(server::serveTcp);
                return server;
            } catch (IOException e) {
                // The port is free for UDP but taken for TCP: try another.
                udp.close();
                if (attempt >= 20) {
                    throw e;
                }
            }
        }
    }

    /** Serves {@code data} from now on. */
    public void serve(Zone data) {
        this.zone = data;
    }

    /** The server as the resolver's {@code servers} setting takes it: {@code 127.0.0.1:port}. */
    public String server() {
        return "127.0.0.1:" + udp.getLocalPort();
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (!udp.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
                Message query = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
                Message answer = zone.answer(query);
                if (answer != null) {
                    OPTRecord opt = query.getOPT();
                    byte[] wire = answer.toWire(opt == null ? 512 : Math.max(512, opt.getPayloadSize()));
                    udp.send(new DatagramPacket(wire, wire.length, packet.getSocketAddress()));
                }
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                // A malformed query gets no answer; the server goes on.
            } catch (RuntimeException e) {
                // A bug of this harness: shown in the test's output, and the client times out.
                e.printStackTrace();
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try {
                Socket client = tcp.accept();
                connections.add(client);
                threads.execute(() -> serveTcp(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** RFC 1035 §4.2.2 / RFC 7766: messages prefixed with their two-byte length, several per connection. */
    private void serveTcp(Socket client) {
        try (client; DataInputStream in = new DataInputStream(client.getInputStream());
             DataOutputStream out = new DataOutputStream(client.getOutputStream())) {
            client.setSoTimeout(10_000);
            while (true) {
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                Message answer = zone.answer(new Message(query));
                if (answer == null) {
                    continue;
                }
                byte[] wire = answer.toWire(65535);
                out.writeShort(wire.length);
                out.write(wire);
                out.flush();
            }
        } catch (IOException e) {
            // the client closed the connection, or sent something that is not DNS
        } finally {
            connections.remove(client);
        }
    }

    @Override
    public void close() {
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket client : connections) {
            try {
                client.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
