package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.carrier.api.message.MailAddress;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The I/O side of a session: commands that cannot block are answered on the event loop and those that may
 * (the router at RCPT here) on a worker, yet pipelined replies stay in order; a backlog of unread input stops
 * reading while a worker step is slow.
 */
class SmtpChannelHandlerTest {
    private final TestServices services = new TestServices();
    private final CountDownLatch routerMayAnswer = new CountDownLatch(1);
    private final Set<String> routerThreads = ConcurrentHashMap.newKeySet();
    /** Which thread routed each recipient. */
    private final Map<String, String> routedOn = new ConcurrentHashMap<>();
    private SmtpListener listener;

    @AfterEach
    void stop() {
        routerMayAnswer.countDown();
        if (listener != null) {
            listener.close();
        }
    }

    /** A router that answers only once the test lets it, remembering the threads that asked. */
    private int startWithSlowRouter() throws IOException {
        Router real = ProtocolDriver.ROUTER;
        services.router = address -> {
            routerThreads.add(Thread.currentThread().getName());
            await(routerMayAnswer);
            return real.route(address);
        };
        listener = new SmtpListener(TestSettings.of("trustedNetworks", "127.0.0.0/8"), services);
        return listener.port();
    }

    @Test
    void repliesToInlineCommandsPipelinedAroundAWorkerStepStayInOrder() throws Exception {
        int port = startWithSlowRouter();
        List<String> codes = repliesOnceTheRouterAnswers(port, "EHLO client.test\r\nMAIL FROM:<a@client.test>\r\n"
                + "RCPT TO:<b@relay.test>\r\nNOOP\r\nRSET\r\nNOOP\r\nMAIL FROM:<c@client.test>\r\nQUIT\r\n");
        assertEquals(List.of("250", "250", "250 rcpt", "250", "250", "250", "250", "221"), codes);
        assertEquals(1, routerThreads.size());
        assertTrue(routerThreads.iterator().next().startsWith("carrier-smtp-worker-"), "the router runs on a worker: " + routerThreads);
    }

    /**
     * A router that answers from memory for every domain but slow.test, whose lookups (like an MX route's DNS)
     * wait until the test lets them.
     */
    private int startWithOneSlowDomain() throws IOException {
        Router real = ProtocolDriver.ROUTER;
        services.router = new Router() {
            @Override
            public RouteDecision route(MailAddress address) {
                routedOn.put(address.toString(), Thread.currentThread().getName());
                if (address.domain().equals("slow.test")) {
                    await(routerMayAnswer);
                    return real.route(MailAddress.of(address.localPart(), "relay.test"));
                }
                return real.route(address);
            }

            @Override
            public boolean routesAtOnce(MailAddress address) {
                return !address.domain().equals("slow.test");
            }
        };
        listener = new SmtpListener(TestSettings.of("trustedNetworks", "127.0.0.0/8"), services);
        return listener.port();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void recipientsTheRouterAnswersAtOnceAreRoutedInlineAndTheirRepliesStayInOrder() throws Exception {
        int port = startWithOneSlowDomain();
        List<String> codes = repliesOnceTheRouterAnswers(port, "EHLO client.test\r\nMAIL FROM:<a@client.test>\r\n"
                + "RCPT TO:<fast@relay.test>\r\nRCPT TO:<wait@slow.test>\r\nRCPT TO:<none@nowhere.test>\r\n"
                + "RCPT TO:<bad address>\r\nRCPT TO:<user@localhost>\r\nQUIT\r\n");
        assertEquals(List.of("250", "250", "250 rcpt", "250 rcpt", "550", "501", "250 rcpt", "221"), codes);
        assertEquals(Set.of("fast@relay.test", "wait@slow.test", "none@nowhere.test", "user@localhost"), routedOn.keySet());
        assertTrue(routedOn.get("wait@slow.test").startsWith("carrier-smtp-worker-"), "the slow lookup runs on a worker: " + routedOn);
        for (String inline : List.of("fast@relay.test", "none@nowhere.test", "user@localhost")) {
            assertTrue(routedOn.get(inline).startsWith("carrier-smtp-io-"), inline + " is routed on the event loop: " + routedOn);
        }
    }

    @Test
    void dataStartsTheQueueFileOnTheEventLoopOnlyWhenTheQueueHasOneReady() throws Exception {
        listener = new SmtpListener(TestSettings.of("trustedNetworks", "127.0.0.0/8"), services);
        for (boolean ready : new boolean[] {true, false}) {
            services.queue.receivesAtOnce = ready;
            List<String> codes = Clients.exchange(listener.port(), "EHLO client.test\r\nMAIL FROM:<a@client.test>\r\n"
                    + "RCPT TO:<b@relay.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n").stream().map(r -> r.substring(0, 3)).toList();
            assertEquals(List.of("220", "250", "250", "250", "354", "250", "221"), codes);
        }
        assertEquals(2, services.queue.committed.size());
        assertTrue(services.queue.receivedOn.get(0).startsWith("carrier-smtp-io-"), "ready: " + services.queue.receivedOn);
        assertTrue(services.queue.receivedOn.get(1).startsWith("carrier-smtp-worker-"), "not ready: " + services.queue.receivedOn);
    }

    /**
     * Sends {@code pipeline} in one write, checks that no reply comes while the router is held, then lets it
     * answer: the final reply lines' codes in order, "rcpt" marking RCPT's 250.
     */
    private List<String> repliesOnceTheRouterAnswers(int port, String pipeline) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertTrue(in.readLine().startsWith("220 "));
            s.getOutputStream().write(pipeline.getBytes(StandardCharsets.US_ASCII));
            s.setSoTimeout(300);
            try {
                String early = in.readLine();
                throw new AssertionError("a reply before the router answered: " + early);
            } catch (SocketTimeoutException expected) {
                // the replies of a pipelined group wait for the step on the worker
            }
            routerMayAnswer.countDown();
            s.setSoTimeout(5_000);
            List<String> codes = new ArrayList<>();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.charAt(3) == ' ') {
                    codes.add(line.substring(0, 3) + (line.contains("2.1.5") ? " rcpt" : ""));
                }
            }
            return codes;
        }
    }

    @Test
    void aBacklogOfUnprocessedInputStopsReading() throws Exception {
        int port = startWithSlowRouter();
        int offered = 64 * 1024 * 1024;
        long written = 0;
        try (SocketChannel client = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
            client.write(ByteBuffer.wrap("EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<b@relay.test>\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            // While the router is busy with RCPT, the client goes on sending (as RFC 2920 allows) far more than
            // the server should hold: it must stop reading, so the client's writes stall.
            client.configureBlocking(false);
            ByteBuffer noops = ByteBuffer.wrap("NOOP\r\n".repeat(offered / 6).getBytes(StandardCharsets.US_ASCII));
            long stalledSince = System.nanoTime();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (noops.hasRemaining() && System.nanoTime() < deadline
                    && System.nanoTime() - stalledSince < TimeUnit.MILLISECONDS.toNanos(500)) {
                int n = client.write(noops);
                if (n > 0) {
                    written += n;
                    stalledSince = System.nanoTime();
                } else {
                    Thread.sleep(5);
                }
            }
            assertTrue(noops.hasRemaining(), "the server read all " + offered + " bytes while its worker was busy");
            assertTrue(written < offered / 2, "the server stopped reading after " + written + " bytes");

            routerMayAnswer.countDown();
            client.configureBlocking(true);
            Socket s = client.socket();
            s.setSoTimeout(5_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            List<String> first = new ArrayList<>();
            for (String line; first.size() < 4 && (line = in.readLine()) != null; ) {
                if (line.charAt(3) == ' ') {
                    first.add(line.substring(0, 3));
                }
            }
            assertEquals(List.of("220", "250", "250", "250"), first, "answered in order once the router is back");
        }
    }
}
