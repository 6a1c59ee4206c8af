package org.carrier.smtp.server.internal;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;

/**
 * Drives an {@link SmtpProtocol} without a network, the way the channel handler does: command lines, and content
 * bytes while the protocol asks for them. localhost is local, relay.test is routed, anything else is refused.
 */
final class ProtocolDriver {
    static final Router ROUTER = new Router() {
        @Override
        public RouteDecision route(MailAddress a) {
            return switch (a.domain()) {
                case "localhost" -> RouteDecision.local("local", "local");
                case "relay.test" -> RouteDecision.remote("relay", "smtp", List.of(new NextHop("127.0.0.1", 2526)));
                default -> RouteDecision.refused("none", new SmtpReply(550, "5.4.4", "no route to domain " + a.domain()));
            };
        }

        @Override
        public Optional<String> primaryLocalDomain() {
            return Optional.of("localhost");
        }
    };

    final MemoryQueue queue;
    final SmtpProtocol protocol;
    Response.Next next;

    ProtocolDriver(ListenerSettings settings, String clientIp) {
        this(settings, clientIp, new TestServices());
    }

    /** A session on {@code services} (their filters are the chain from the greeting on); the listener is 127.0.0.1:25. */
    ProtocolDriver(ListenerSettings settings, String clientIp, TestServices services) {
        queue = services.queue;
        protocol = new SmtpProtocol(settings, services, "T1", new InetSocketAddress(clientIp, 40000), new InetSocketAddress("127.0.0.1", 25));
        next = protocol.greet().next();
    }

    /** A client outside the trusted networks (only 10.0.0.0/8 is trusted). */
    static ProtocolDriver untrusted() {
        return new ProtocolDriver(TestSettings.of("trustedNetworks", "10.0.0.0/8"), "192.0.2.7");
    }

    /** Sends a command; returns its replies, each in wire form without CRLF, joined by " | ". */
    String send(String line) {
        return show(protocol.command(line));
    }

    /** Sends raw content bytes (while {@link #next} is CONTENT); returns the replies once the protocol has any. */
    String content(String bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes.getBytes(StandardCharsets.UTF_8));
        StringBuilder all = new StringBuilder();
        while (in.hasRemaining() && next == Response.Next.CONTENT) {
            String shown = show(protocol.content(in));
            all.append(all.length() > 0 && !shown.isEmpty() ? " | " : "").append(shown);
        }
        if (in.hasRemaining()) {
            throw new AssertionError("content left over: " + (in.remaining()) + " bytes");
        }
        return all.toString();
    }

    private String show(Response r) {
        next = r.next();
        List<String> lines = new ArrayList<>();
        for (SmtpReply reply : r.replies()) {
            lines.add(Reply.wire(reply).strip());
        }
        return String.join(" | ", lines);
    }
}
