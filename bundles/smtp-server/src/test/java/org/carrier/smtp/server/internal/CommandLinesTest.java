package org.carrier.smtp.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How the listener cuts the byte stream into commands, over a real socket: only CRLF ends a command (RFC 5321 §2.3.8),
 * and nothing sent after DATA before the 354 is taken as content (RFC 2920 §3.1).
 */
class CommandLinesTest {
    private final TestServices services = new TestServices();
    private SmtpListener listener;

    @BeforeEach
    void start() throws IOException {
        listener = new SmtpListener(TestSettings.of("trustedNetworks", "127.0.0.0/8"), services);
    }

    @AfterEach
    void stop() {
        listener.close();
    }

    /** Sends {@code script} in one write after the greeting, then {@code replies} complete replies are read (10 s at most). */
    private List<String> replies(String script, int replies) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            assertTrue(Clients.readLine(in).startsWith("220 "));
            OutputStream out = s.getOutputStream();
            out.write(script.getBytes(StandardCharsets.UTF_8));
            out.flush();
            List<String> got = new ArrayList<>();
            for (String line; got.size() < replies && (line = Clients.readLine(in)) != null; ) {
                if (line.length() < 4 || line.charAt(3) == ' ') {
                    got.add(line);
                }
            }
            return got;
        }
    }

    @Test
    void aBareLineFeedDoesNotEndACommand() throws IOException {
        assertEquals(List.of("500 5.5.2 Error: bare <CR> or <LF> in a command line; commands end with <CR><LF>", "250 2.0.0 Ok"),
                replies("NOOP\nNOOP\r\nNOOP\r\n", 2), "NOOP<LF>NOOP<CR><LF> is one line, refused whole");
        List<String> pipeline = replies("EHLO client.test\r\nMAIL FROM:<a@client.test>\nRCPT TO:<bob@localhost>\nDATA\n\r\n"
                + "RCPT TO:<bob@localhost>\r\nQUIT\r\n", 4);
        assertEquals(List.of("250", "500", "503", "221"), pipeline.stream().map(r -> r.substring(0, 3)).toList(),
                "no MAIL, RCPT or DATA was taken from the bare-LF line: " + pipeline);
        assertTrue(services.queue.receivedOn.isEmpty());
    }

    @Test
    void aBareCarriageReturnIsNoSeparator() throws IOException {
        List<String> got = replies("EHLO client.test\r\nMAIL FROM:<a@client.test>\rSIZE=100\r\nMAIL FROM:<a@client.test>\r\n"
                + "EHLO evil.test\rX-Injected:tok\r\nQUIT\r\n", 5);
        assertEquals(List.of("250", "500", "250", "500", "221"), got.stream().map(r -> r.substring(0, 3)).toList(), got.toString());
    }

    @Test
    void aCrAndLfSplitAcrossReadsStillEndTheLine() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            s.setSoTimeout(10_000);
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            Clients.readLine(in);
            s.getOutputStream().write("NOOP\r".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(100);
            s.getOutputStream().write("\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("250 2.0.0 Ok", Clients.readLine(in));
        }
    }

    @Test
    void anOverlongLineEndsOnlyAtItsCrLf() throws IOException {
        List<String> got = replies("NOOP " + "x".repeat(1200) + "\nNOOP\r\nNOOP\r\n", 2);
        assertEquals(List.of("500 5.5.2 Error: line too long", "250 2.0.0 Ok"), got);
    }

    @Test
    void dataSentBeforeThe354IsNeverContent() throws IOException {
        List<String> got = replies("EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<bob@localhost>\r\n"
                + "DATA\r\nSubject: blind\r\n\r\nsent before the go-ahead\r\n.\r\nMAIL FROM:<b@client.test>\r\n", 10);
        assertEquals(List.of("250", "250", "250", "554 5.5.0 Error: SMTP protocol synchronization: message data sent before the 354 reply"),
                got.stream().map(r -> r.startsWith("554") ? r : r.substring(0, 3)).toList(), "then the connection closes: " + got);
        assertTrue(services.queue.committed.isEmpty(), "nothing queued");
        assertEquals(services.queue.receivedOn.size(), services.queue.discarded.get(), "the queue file is dropped");
    }

    @Test
    void aClientThatWaitsForThe354IsServed() throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            Clients.readLine(in);
            out.write("EHLO client.test\r\nMAIL FROM:<a@client.test>\r\nRCPT TO:<bob@localhost>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
            List<String> codes = new ArrayList<>();
            for (String line; codes.size() < 4 && (line = Clients.readLine(in)) != null; ) {
                if (line.charAt(3) == ' ') {
                    codes.add(line.substring(0, 3));
                }
            }
            assertEquals(List.of("250", "250", "250", "354"), codes, "RFC 2920: the group up to DATA is pipelined");
            out.write("Subject: ok\r\n\r\nbody\r\n.\r\nBDAT 6 LAST\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(Clients.readLine(in).startsWith("250 2.0.0 Ok: queued"));
        }
        assertEquals(1, services.queue.committed.size());
    }
}
