package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.carrier.testing.milter.MilterReply;
import org.carrier.testing.milter.TestMilter;
import org.junit.jupiter.api.Test;

/**
 * The milter bundle comes and goes while mail flows, as an administrator deploys it: with a client sending one
 * message after another over one session, {@code org.carrier.filter.milter.jar} is copied into deploy/ of the
 * running distribution (its configuration, naming a TestMilter that marks every message with a header field, is
 * already in config/): scanning begins with a following transaction and every later one is marked; the jar is
 * deleted: scanning stops and no later message is marked. No reply of the stream is anything but 250, and every
 * message it got 250 for reaches the sink.
 */
class MilterHotDeployIT {
    private static final String MARK = "X-Test-Milter: marked";

    @Test
    void theMilterJarIsDroppedIntoDeployAndRemovedWhileMailFlows() throws Exception {
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-milter-deploy-");
        TestMilter milter = TestMilter.start().on(TestMilter.Stage.EOM,
                MilterReply.addHeader("X-Test-Milter", "marked"), MilterReply.accept());
        SmtpSink sink = new SmtpSink();
        RunningCarrier carrier = new RunningCarrier(dir);
        Map<Integer, Boolean> marked = new ConcurrentHashMap<>();
        try {
            carrier.configure("org.carrier.route-relay.cfg",
                    "name = relay\ndomains = relay.test\ntransport = smtp\nnextHops = 127.0.0.1:" + sink.port() + "\ntls = none\n");
            carrier.configure("org.carrier.filter.milter-marker.cfg", "address = " + milter.address() + "\n");
            carrier.start();
            Path deployed = carrier.home.resolve("deploy/org.carrier.filter.milter.jar");
            try (MessageStream stream = new MessageStream(carrier.smtpPort, "stream@client.test", "rcpt@relay.test", 5_000, 240)) {
                assertTrue(stream.awaitSent(5, 30), "the stream did not start");
                collect(sink, marked, 5);
                assertEquals(0, milter.connections(), "no milter before its jar is deployed");

                Files.copy(carrier.home.resolve("extras/org.carrier.filter.milter.jar"), deployed);
                assertTrue(Distribution.waitFor(60, () -> collectQuietly(sink, marked) && marked.containsValue(true)),
                        "scanning never began:\n" + carrier.console());
                int firstMarked = first(marked, true);
                collectUntil(sink, marked, stream, firstMarked + 10);

                Files.delete(deployed);
                assertTrue(Distribution.waitFor(60, () -> collectQuietly(sink, marked)
                                && marked.entrySet().stream().anyMatch(e -> e.getKey() > firstMarked && !e.getValue())),
                        "scanning never stopped:\n" + carrier.console());
                int firstUnmarkedAgain = marked.entrySet().stream().filter(e -> e.getKey() > firstMarked && !e.getValue())
                        .mapToInt(Map.Entry::getKey).min().orElseThrow();
                collectUntil(sink, marked, stream, firstUnmarkedAgain + 10);

                List<String> failures = stream.stop();
                assertEquals(List.of(), failures, "replies of the stream other than success");
                Set<String> accepted = stream.accepted();
                assertTrue(Distribution.waitFor(60, () -> collectQuietly(sink, marked) && marked.size() >= accepted.size()),
                        "every accepted message is relayed: " + accepted.size() + " accepted, " + marked.size() + " relayed");
                // Relaying may reorder messages, so the switch points are read from all of them at the end: once
                // scanning began, every transaction was scanned until the jar left; before and after, none was.
                TreeMap<Integer, Boolean> ordered = new TreeMap<>(marked);
                int from = first(ordered, true);
                int to = ordered.entrySet().stream().filter(Map.Entry::getValue).mapToInt(Map.Entry::getKey).max().orElseThrow();
                assertTrue(from > ordered.firstKey() && to < ordered.lastKey(), "unscanned messages before and after: " + ordered);
                ordered.forEach((n, isMarked) -> assertEquals(n >= from && n <= to, isMarked,
                        "stream " + n + " (scanned " + from + " to " + to + "): " + ordered));
                System.out.printf("milter hot deploy under load: %d messages streamed, %d marked by the milter (%d milter connections), none refused or lost%n",
                        accepted.size(), to - from + 1, milter.connections());
            }
        } finally {
            Distribution.closeAll(carrier, milter, sink);
        }
    }

    /** Waits until the stream has sent message {@code last} and the sink has it. */
    private static void collectUntil(SmtpSink sink, Map<Integer, Boolean> marked, MessageStream stream, int last) throws Exception {
        assertTrue(stream.awaitSent(last + 1, 60), "the stream stalled before message " + last);
        assertTrue(Distribution.waitFor(60, () -> collectQuietly(sink, marked) && marked.containsKey(last)),
                "message " + last + " was not relayed");
    }

    private static void collect(SmtpSink sink, Map<Integer, Boolean> marked, int atLeast) throws Exception {
        assertTrue(Distribution.waitFor(60, () -> collectQuietly(sink, marked) && marked.size() >= atLeast));
    }

    /** Takes what the sink received so far: stream number to whether the milter marked it. Always true. */
    private static boolean collectQuietly(SmtpSink sink, Map<Integer, Boolean> marked) {
        try {
            for (SmtpSink.Received r; (r = sink.next(0)) != null; ) {
                String content = r.content();
                int at = content.indexOf("Subject: stream ");
                int end = content.indexOf("\r\n", at);
                String header = content.substring(0, content.indexOf("\r\n\r\n") + 2);
                marked.put(Integer.parseInt(content.substring(at + "Subject: stream ".length(), end)), header.contains(MARK + "\r\n"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    private static int first(Map<Integer, Boolean> marked, boolean value) {
        return marked.entrySet().stream().filter(e -> e.getValue() == value).mapToInt(Map.Entry::getKey).min().orElseThrow();
    }
}
