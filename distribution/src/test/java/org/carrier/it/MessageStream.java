package org.carrier.it;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client sending one message after another over a single SMTP session, on its own thread, until stopped or until
 * it has sent {@code maxMessages} or run {@code maxSeconds}. It keeps the subjects that got 250 and every reply that
 * was not a success; the first failure ends the stream (a failed session is what the tests look for).
 */
final class MessageStream implements AutoCloseable {
    private final Set<String> accepted = new ConcurrentSkipListSet<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;

    MessageStream(int port, String from, String to, int maxMessages, int maxSeconds) {
        long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
        thread = new Thread(() -> run(port, from, to, maxMessages, deadline), "message-stream");
        thread.start();
    }

    private void run(int port, String from, String to, int maxMessages, long deadline) {
        try (SmtpClient client = new SmtpClient("127.0.0.1", port)) {
            expect(client.reply(), "220");
            expect(client.command("EHLO stream.test"), "250");
            for (int n = 0; n < maxMessages && !stopped && System.nanoTime() < deadline; n++) {
                String subject = "stream " + n;
                expect(client.command("MAIL FROM:<" + from + ">"), "250");
                expect(client.command("RCPT TO:<" + to + ">"), "250");
                expect(client.data(SmtpClient.message(subject, 500)), "250");
                accepted.add(subject);
            }
            expect(client.command("QUIT"), "221");
        } catch (IOException e) {
            failures.add(e.getMessage());
        }
    }

    private static void expect(String reply, String code) throws IOException {
        if (!reply.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + reply);
        }
    }

    /** How many messages got 250 so far. */
    int sent() {
        return accepted.size();
    }

    /** Waits until at least {@code count} messages got 250; false if the stream failed or it took too long. */
    boolean awaitSent(int count, int seconds) throws InterruptedException {
        return Distribution.waitFor(seconds, () -> sent() >= count || !failures.isEmpty()) && failures.isEmpty();
    }

    /** Ends the stream after its current transaction; returns the replies that were not a success. */
    List<String> stop() throws InterruptedException {
        stopped = true;
        thread.join(60_000);
        if (thread.isAlive()) {
            failures.add("the stream did not end within 60 s");
        }
        return new ArrayList<>(failures);
    }

    /** The subjects of the messages that got 250. */
    Set<String> accepted() {
        return new TreeSet<>(accepted);
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(60_000);
    }
}
