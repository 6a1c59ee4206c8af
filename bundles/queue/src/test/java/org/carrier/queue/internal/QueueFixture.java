package org.carrier.queue.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;

/** Queues on a temporary spool with a recording transport, and the helpers the queue tests share. */
final class QueueFixture implements AutoCloseable {
    static final String CONTENT = "From: sender@client.test\r\nSubject: test\r\nMessage-ID: <m1@client.test>\r\n\r\nbody\r\n";
    static final QueueSettings FAST = new QueueSettings(List.of(Duration.ofMillis(200)), Duration.ofDays(5));
    static final QueueSettings SLOW = new QueueSettings(List.of(Duration.ofHours(1)), Duration.ofDays(5));

    /** relay.test and other.test go to different hops over smtp; local.test is local (delivered by the same
     *  recording transport); refused.test is refused. */
    static final Router ROUTER = address -> switch (address.domain()) {
        case "refused.test" -> RouteDecision.refused("none", new SmtpReply(550, "5.4.4", "no route"));
        case "other.test" -> RouteDecision.remote("other", "smtp", List.of(new NextHop("other.hop", 25)));
        case "local.test" -> RouteDecision.local("local", "smtp");
        case "nowhere.test" -> RouteDecision.remote("ghost", "ghost", List.of());
        default -> RouteDecision.remote("relay", "smtp", List.of(new NextHop("relay.hop", 25)));
    };

    final Path root;
    final RecordingTransport smtp = new RecordingTransport();
    private final List<SpoolQueue> queues = new ArrayList<>();

    QueueFixture(Path root) {
        this.root = root;
    }

    SpoolQueue queue(QueueSettings settings) throws IOException {
        return queue(settings, Clock.systemUTC());
    }

    SpoolQueue queue(QueueSettings settings, Clock clock) throws IOException {
        SpoolQueue q = new SpoolQueue(root, settings, 2, clock, () -> ROUTER, name -> name.equals("smtp") ? smtp : null);
        queues.add(q);
        q.recover();
        awaitRecovered(q);
        return q;
    }

    /** The spool is read in the background: the tests of what a restart finds wait until it is read. */
    static void awaitRecovered(SpoolQueue q) {
        try {
            if (!q.awaitRecovered(Duration.ofSeconds(30))) {
                throw new IllegalStateException("the spool was not read within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        queues.forEach(SpoolQueue::close);
    }

    static Envelope envelope(String... rcpts) {
        List<Recipient> list = Stream.of(rcpts).map(r -> new Recipient(MailAddress.parse(r), Map.of())).toList();
        return new Envelope(MailAddress.parse("sender@client.test"), Map.of("SIZE", "24"), list);
    }

    static String submit(SpoolQueue q, Envelope envelope, boolean hold, HeaderField... headers) throws IOException {
        try (IncomingMessage m = q.receive()) {
            m.content().write(CONTENT.getBytes(StandardCharsets.UTF_8));
            m.commit(envelope, List.of(headers), hold);
            return m.queueId();
        }
    }

    /** Polls every 50 ms for at most 10 s (a loaded CI machine can be slow). */
    static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
