package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.json.Json;

/**
 * The two logs an operator can ship, as the README turns them on in the shipped config/org.ops4j.pax.logging.cfg:
 * RFC 5424 syslog over UDP to a receiver on loopback (a socket of this test) and JSON lines in logs/carrier.json.
 * Both are off as shipped, and each one switch turns it on while Carrier runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShippableLogsIT {
    /** RFC 5424 §6: {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]}. */
    private static final Pattern SYSLOG = Pattern.compile(
            "<(\\d{1,3})>1 (\\S+) (\\S{1,255}) (\\S{1,48}) (\\S{1,128}) (\\S{1,32}) (-|(?:\\[[^]]*])+)(?: (.*))?", Pattern.DOTALL);
    private static final Pattern QUEUED = Pattern.compile("^250 .*queued as ([0-9A-Z]+)");
    private static final List<String> FIELDS = List.of("time", "level", "logger", "thread", "message", "queueId",
            "client", "from", "size", "nrcpt", "to", "relay", "delay", "attempts", "status");

    private RunningCarrier carrier;
    private DatagramSocket receiver;
    private Thread receiving;
    private final List<String> datagrams = new CopyOnWriteArrayList<>();
    private volatile boolean stopped;

    @BeforeAll
    void start() throws Exception {
        receiver = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        receiver.setSoTimeout(200);
        receiving = new Thread(this::receive, "syslog-receiver");
        receiving.start();
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "logs-"));
        // as shipped, except for the syslog port: the test's socket (off all the same until its switch is turned on)
        replace(loggingConfig(), "log4j2.appender.syslog.port = 514\n", "log4j2.appender.syslog.port = " + receiver.getLocalPort() + "\n");
        carrier.start();
    }

    @AfterAll
    void stop() throws Exception {
        stopped = true;
        Distribution.closeAll(carrier, receiving == null ? null : () -> receiving.join(5000), receiver);
    }

    @Test
    @Order(1)
    void asShippedNeitherIsWritten() throws Exception {
        String id = deliver("before");
        assertTrue(carrier.awaitLog(id + ": removed").contains(id + ": removed"));
        Thread.sleep(500); // the lines go out through one asynchronous appender: give any stray datagram time to arrive
        assertEquals(List.of(), datagrams, "syslog is off as shipped");
        assertFalse(Files.exists(jsonLog()), "the JSON log is off as shipped (its file is created at its first line)");
    }

    @Test
    @Order(2)
    void eachSwitchTurnsItsLogOnWhileCarrierRuns() throws Exception {
        replace(loggingConfig(), "log4j2.appender.async.toJson.level = OFF\n", "log4j2.appender.async.toJson.level = ALL\n");
        replace(loggingConfig(), "log4j2.appender.async.toSyslog.level = OFF\n", "log4j2.appender.async.toSyslog.level = ALL\n");
        // FileInstall and pax-logging apply the file within a few seconds; until then a message may go to carrier.log only.
        // A message whose life straddles the switch has only its later lines in the new logs: try again with a new one
        // until one message has every line, from its queueing to its removal, in both.
        String[] id = new String[1];
        assertTrue(Distribution.waitFor(60, () -> {
            id[0] = deliverQuietly();
            return id[0] != null && waitForQuietly(() -> inBothLogsFromQueuedToRemoved(id[0]));
        }), "no JSON line or datagram for a delivered message after the switches were turned on:\n" + datagrams);

        // a line about no message, made on purpose (which others the JVM writes meanwhile is up to timing): a refused setting
        Path queueConfig = carrier.home.resolve("config/org.carrier.queue.cfg");
        replace(queueConfig, "maxHops = 50\n", "maxHops = banana\n");
        assertTrue(Distribution.waitFor(30, () -> jsonLines().stream().anyMatch(l -> l.contains("maxHops = \\\"banana\\\""))),
                "no JSON line for the refused maxHops");
        replace(queueConfig, "maxHops = banana\n", "maxHops = 50\n");

        checkSyslog(id[0]);
        checkJson(id[0]);
    }

    private boolean inBothLogsFromQueuedToRemoved(String id) {
        String queued = id + ": from=<sender@client.test>";
        String removed = id + ": removed";
        List<String> json = jsonLines();
        return json.stream().anyMatch(l -> l.contains(queued)) && json.stream().anyMatch(l -> l.contains(removed))
                && datagrams.stream().anyMatch(d -> d.contains(queued)) && datagrams.stream().anyMatch(d -> d.contains(removed));
    }

    private void checkSyslog(String id) {
        long pid = carrier.pid();
        Instant now = Instant.now();
        for (String datagram : datagrams) {
            Matcher m = SYSLOG.matcher(datagram);
            assertTrue(m.matches(), "not an RFC 5424 message: " + datagram);
            int pri = Integer.parseInt(m.group(1));
            assertEquals(2, pri / 8, "facility mail (2): " + datagram);
            Instant time = OffsetDateTime.parse(m.group(2)).toInstant();
            assertTrue(Duration.between(time, now).abs().toMinutes() < 10, "a TIMESTAMP of now: " + datagram);
            assertEquals("carrier", m.group(4), "APP-NAME: " + datagram);
            assertEquals(String.valueOf(pid), m.group(5), "PROCID is Carrier's process: " + datagram);
        }
        String sent = datagrams.stream().filter(d -> d.contains(id + ": to=<alice@localhost>, relay=maildir")).findFirst()
                .orElseThrow(() -> new AssertionError("no delivery line of " + id + " in " + datagrams));
        Matcher m = SYSLOG.matcher(sent);
        assertTrue(m.matches(), sent);
        assertEquals(2 * 8 + 6, Integer.parseInt(m.group(1)), "mail.info: " + sent);
        assertTrue(m.group(8).startsWith(id + ": to=<alice@localhost>, relay=maildir, delay="), "MSG is the log line's message: " + sent);
        assertTrue(m.group(8).contains("status=sent"), sent);
    }

    @SuppressWarnings("unchecked")
    private void checkJson(String id) {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (String line : jsonLines()) {
            assertTrue(line.startsWith("{") && line.endsWith("}"), "one object a line: " + line);
            Map<String, Object> object = new Json().toType(line, Json.MAP_TYPE);
            assertTrue(object.keySet().containsAll(FIELDS), "fields missing in " + line);
            OffsetDateTime.parse(object.get("time").toString()); // RFC 3339, as shippers read it
            objects.add(object);
        }
        Map<String, Object> queued = find(objects, id, "Intake").orElseThrow(() -> new AssertionError("no queued line of " + id));
        assertEquals("INFO", queued.get("level"));
        assertEquals(id, queued.get("queueId"));
        assertEquals("sender@client.test", queued.get("from"));
        assertEquals("1", queued.get("nrcpt"));
        Map<String, Object> sent = objects.stream().filter(o -> id.equals(o.get("queueId")) && "sent".equals(o.get("status")))
                .findFirst().orElseThrow(() -> new AssertionError("no delivery line of " + id + " in " + objects));
        assertEquals("org.carrier.queue.internal.DeliveryRun", sent.get("logger"));
        assertEquals("alice@localhost", sent.get("to"));
        assertEquals("maildir", sent.get("relay"));
        assertEquals("1", sent.get("attempts"));
        assertTrue(sent.get("message").toString().startsWith(id + ": to=<alice@localhost>, relay=maildir, delay="), sent.toString());
        Map<String, Object> refused = objects.stream().filter(o -> o.get("message").toString().contains("maxHops = \"banana\""))
                .findFirst().orElseThrow(() -> new AssertionError("no line for the refused maxHops in " + objects));
        assertEquals("ERROR", refused.get("level"));
        assertEquals("", refused.get("queueId"), "a line about no message has an empty queue ID: " + refused);
    }

    private static Optional<Map<String, Object>> find(List<Map<String, Object>> objects, String id, String logger) {
        return objects.stream().filter(o -> id.equals(o.get("queueId")) && o.get("logger").toString().endsWith("." + logger)
                && !o.get("from").toString().isEmpty()).findFirst();
    }

    /** Sends a message to alice@localhost, waits until it is in her Maildir and gives its queue ID. */
    private String deliver(String subject) throws Exception {
        int before = Distribution.newMail(carrier.maildir("alice")).size();
        String reply = SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of("alice@localhost"), SmtpClient.message(subject, 100));
        Matcher queued = QUEUED.matcher(reply);
        assertTrue(queued.find(), reply);
        assertTrue(Distribution.waitFor(30, () -> Distribution.newMail(carrier.maildir("alice")).size() > before), "not delivered");
        return queued.group(1);
    }

    private String deliverQuietly() {
        try {
            return deliver("after");
        } catch (Exception e) {
            return null;
        }
    }

    private static boolean waitForQuietly(java.util.function.BooleanSupplier condition) {
        try {
            return Distribution.waitFor(5, condition);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private List<String> jsonLines() {
        try {
            return Files.exists(jsonLog()) ? Files.readAllLines(jsonLog(), StandardCharsets.UTF_8).stream().filter(l -> !l.isEmpty()).toList()
                    : List.of();
        } catch (IOException e) {
            return List.of(); // a line being written: read again
        }
    }

    private Path jsonLog() {
        return carrier.home.resolve("logs/carrier.json");
    }

    private Path loggingConfig() {
        return carrier.home.resolve("config/org.ops4j.pax.logging.cfg");
    }

    /** Keeps what arrives on the syslog socket until the test ends (at most one datagram per 200 ms wait). */
    private void receive() {
        byte[] buffer = new byte[65_535];
        while (!stopped) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                receiver.receive(packet);
                datagrams.add(new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8));
            } catch (SocketTimeoutException e) {
                // look at the stop flag again
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void replace(Path file, String from, String to) throws IOException {
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(from), file + " does not contain " + from);
        Files.writeString(file, text.replace(from, to), StandardCharsets.ISO_8859_1);
    }
}
