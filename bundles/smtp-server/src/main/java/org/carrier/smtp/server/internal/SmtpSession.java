package org.carrier.smtp.server.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.route.Destination;
import org.carrier.api.route.RouteDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP session (RFC 5321 §3, §4.1) on a blocking socket: greeting, EHLO/HELO, mail transactions,
 * and the filters at each stage. Replies are buffered and flushed only when the client has sent
 * nothing more, so pipelined commands (RFC 2920) are answered in order in as few writes as possible.
 */
final class SmtpSession implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);
    /** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF. */
    private static final int MAX_COMMAND_LINE = 512;
    private static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private final Socket socket;
    private final ListenerSettings settings;
    private final SessionServices services;
    private final String id;
    private InputStream in;
    private OutputStream out;
    private SessionInfo session;
    private FilterChain sessionChain = FilterChain.EMPTY;
    private int errors;

    // The current transaction: null envelope means none.
    private Envelope envelope;
    private FilterChain transactionChain = FilterChain.EMPTY;
    private final List<HeaderField> filterHeaders = new ArrayList<>();
    private boolean discard;
    private boolean hold;

    SmtpSession(Socket socket, ListenerSettings settings, SessionServices services, String id) {
        this.socket = socket;
        this.settings = settings;
        this.services = services;
        this.id = id;
    }

    @Override
    public void run() {
        InetSocketAddress client = (InetSocketAddress) socket.getRemoteSocketAddress();
        try (socket) {
            socket.setSoTimeout(settings.commandTimeoutMillis());
            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            session = new SessionInfo(id, settings.name(), client, (InetSocketAddress) socket.getLocalSocketAddress(),
                    null, false, null, null, settings.trustedNetworks().contains(client.getAddress()));
            LOG.debug("{}: connect from [{}]", id, client.getAddress().getHostAddress());
            sessionChain = services.filters();
            FilterChain.Verdict connect = sessionChain.run(id, f -> f.connect(session));
            if (connect.refusal() == null) {
                reply(new SmtpReply(220, null, settings.hostname() + " ESMTP Carrier"));
                converse();
            } else {
                reply(connect.refusal());
            }
            out.flush();
        } catch (SocketTimeoutException e) {
            quietly(new SmtpReply(421, "4.4.2", settings.hostname() + " Error: timeout exceeded"));
        } catch (EOFException e) {
            LOG.debug("{}: lost connection", id);
        } catch (IOException e) {
            LOG.debug("{}: connection problem: {}", id, e.toString());
        } finally {
            LOG.debug("{}: disconnect from [{}]", id, client.getAddress().getHostAddress());
        }
    }

    private void converse() throws IOException {
        while (true) {
            if (in.available() == 0) {
                out.flush();
            }
            String line = readCommandLine();
            if (line == null) {
                reply(Reply.LINE_TOO_LONG);
                if (tooManyErrors()) {
                    return;
                }
                continue;
            }
            if (!handle(line) || tooManyErrors()) {
                return;
            }
        }
    }

    /** Handles one command; false when the session is over. */
    private boolean handle(String line) throws IOException {
        int space = line.indexOf(' ');
        String verb = (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
        String arg = space < 0 ? "" : line.substring(space + 1);
        return switch (verb) {
            case "EHLO" -> hello(arg, true);
            case "HELO" -> hello(arg, false);
            case "MAIL" -> mail(arg);
            case "RCPT" -> rcpt(arg);
            case "DATA" -> data(arg);
            case "RSET" -> {
                resetTransaction();
                yield reply(Reply.OK);
            }
            case "NOOP" -> reply(Reply.OK);
            case "QUIT" -> {
                reply(new SmtpReply(221, "2.0.0", "Bye"));
                yield false;
            }
            // RFC 5321 §3.5.3: 252 when we do not verify addresses.
            case "VRFY" -> reply(new SmtpReply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
            case "HELP" -> reply(new SmtpReply(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY"));
            case "EXPN", "TURN", "ETRN", "BDAT", "STARTTLS", "AUTH", "SEND", "SOML", "SAML" -> error(Reply.NOT_IMPLEMENTED);
            default -> error(Reply.UNKNOWN);
        };
    }

    private boolean hello(String arg, boolean extended) throws IOException {
        String name = arg.strip();
        if (name.isEmpty() || name.contains(" ")) {
            return error(Reply.syntax("Syntax: " + (extended ? "EHLO" : "HELO") + " hostname"));
        }
        resetTransaction();
        session = session.withHelo(name, extended);
        FilterChain.Verdict verdict = sessionChain.run(id, f -> f.helo(session));
        if (verdict.refusal() != null) {
            return refuse(verdict);
        }
        if (!extended) {
            return reply(new SmtpReply(250, null, settings.hostname()));
        }
        return reply(new SmtpReply(250, null, String.join("\n", settings.hostname(), "PIPELINING",
                "SIZE " + settings.maxMessageSize(), "8BITMIME", "ENHANCEDSTATUSCODES")));
    }

    private boolean mail(String arg) throws IOException {
        if (session.heloName() == null || envelope != null) {
            return error(Reply.BAD_SEQUENCE);
        }
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) {
            return error(Reply.syntax("Syntax: MAIL FROM:<address>"));
        }
        PathArgument path;
        try {
            path = PathArgument.parse(arg.substring(5), true, null);
        } catch (PathArgument.SyntaxException e) {
            return error(new SmtpReply(501, "5.1.7", e.getMessage()));
        }
        SmtpReply bad = checkMailParameters(path.parameters());
        if (bad != null) {
            return error(bad);
        }
        Envelope candidate = Envelope.from(path.address() == null ? MailAddress.nullSender() : path.address(), path.parameters());
        transactionChain = services.filters();
        FilterChain.Verdict verdict = transactionChain.run(id, f -> f.mailFrom(session, candidate));
        if (verdict.refusal() != null) {
            return refuse(verdict);
        }
        envelope = candidate;
        absorb(verdict);
        return reply(Reply.OK_MAIL);
    }

    /** RFC 1870 SIZE and RFC 6152 BODY are the MAIL parameters offered; anything else is refused (RFC 5321 §4.1.1.11). */
    private SmtpReply checkMailParameters(Map<String, String> params) {
        for (Map.Entry<String, String> p : params.entrySet()) {
            switch (p.getKey()) {
                case "SIZE" -> {
                    if (!p.getValue().matches("\\d{1,18}")) {
                        return Reply.syntax("Syntax: SIZE=number");
                    }
                    if (Long.parseLong(p.getValue()) > settings.maxMessageSize()) {
                        return new SmtpReply(552, "5.3.4", "Message size exceeds fixed limit");
                    }
                }
                case "BODY" -> {
                    if (!p.getValue().equalsIgnoreCase("7BIT") && !p.getValue().equalsIgnoreCase("8BITMIME")) {
                        return Reply.syntax("Syntax: BODY=7BIT or BODY=8BITMIME");
                    }
                }
                default -> {
                    return new SmtpReply(555, "5.5.4", "Unsupported option: " + p.getKey());
                }
            }
        }
        return null;
    }

    private boolean rcpt(String arg) throws IOException {
        if (envelope == null) {
            return error(Reply.BAD_SEQUENCE);
        }
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) {
            return error(Reply.syntax("Syntax: RCPT TO:<address>"));
        }
        PathArgument path;
        try {
            path = PathArgument.parse(arg.substring(3), false, "localhost");
        } catch (PathArgument.SyntaxException e) {
            return error(new SmtpReply(501, "5.1.3", e.getMessage()));
        }
        if (!path.parameters().isEmpty()) {
            return error(new SmtpReply(555, "5.5.4", "Unsupported option: " + path.parameters().keySet().iterator().next()));
        }
        if (envelope.recipients().size() >= settings.maxRecipients()) {
            // RFC 5321 §4.5.3.1.10: 452 lets the client send the rest in another transaction.
            return reply(new SmtpReply(452, "4.5.3", "Error: too many recipients"));
        }
        Recipient recipient = new Recipient(path.address(), path.parameters());
        RouteDecision decision = services.router().route(path.address());
        if (decision.destination() == Destination.REFUSED) {
            LOG.info("{}: reject: RCPT from [{}]: {}; to=<{}>", id, clientIp(), decision.refusal(), path.address());
            return error(decision.refusal());
        }
        if (decision.destination() == Destination.REMOTE && !session.relayPermitted()) {
            // Never an open relay (RFC 5321 §3.6.2, §7.1): only trusted or authenticated clients relay.
            SmtpReply denied = new SmtpReply(554, "5.7.1", "<" + path.address() + ">: Relay access denied");
            LOG.info("{}: reject: RCPT from [{}]: {}", id, clientIp(), denied);
            return error(denied);
        }
        Envelope before = envelope;
        FilterChain.Verdict verdict = transactionChain.run(id, f -> f.rcptTo(session, before, recipient));
        if (verdict.refusal() != null) {
            return refuse(verdict);
        }
        envelope = envelope.withRecipient(recipient);
        absorb(verdict);
        return reply(Reply.OK_RCPT);
    }

    private boolean data(String arg) throws IOException {
        if (envelope == null) {
            return error(Reply.BAD_SEQUENCE);
        }
        if (envelope.recipients().isEmpty()) {
            return error(new SmtpReply(554, "5.5.1", "Error: no valid recipients"));
        }
        if (!arg.isBlank()) {
            return error(Reply.syntax("Syntax: DATA takes no argument"));
        }
        IncomingMessage incoming;
        try {
            incoming = services.queue().receive();
        } catch (IOException e) {
            LOG.error("{}: cannot start a queue file: {}", id, e.toString());
            return reply(Reply.queueFailure(e));
        }
        try (incoming) {
            reply(new SmtpReply(354, null, "End data with <CR><LF>.<CR><LF>"));
            out.flush();
            return receive(incoming);
        } finally {
            resetTransaction();
        }
    }

    private boolean receive(IncomingMessage incoming) throws IOException {
        String queueId = incoming.queueId();
        OutputStream content = incoming.content();
        content.write(receivedHeader(queueId).getBytes(StandardCharsets.UTF_8));
        socket.setSoTimeout(settings.dataTimeoutMillis());
        DataReader.Result result = new DataReader(settings.normalizeBareLineEndings(), settings.maxMessageSize()).read(in, content);
        socket.setSoTimeout(settings.commandTimeoutMillis());
        if (result.bareLineEnding() && !settings.normalizeBareLineEndings()) {
            LOG.info("{}: reject: bare CR or LF in message data from [{}]", queueId, clientIp());
            return error(new SmtpReply(550, "5.6.11", "Error: bare <CR> or <LF> received; only CRLF line endings are allowed"));
        }
        if (result.tooBig()) {
            LOG.info("{}: reject: message of {} bytes exceeds {} from [{}]", queueId, result.size(), settings.maxMessageSize(), clientIp());
            return error(new SmtpReply(552, "5.3.4", "Error: message size exceeds fixed limit"));
        }
        Envelope complete = envelope;
        ReceivedMessage view = new ReceivedMessage(incoming);
        FilterChain.Verdict verdict = transactionChain.run(queueId, f -> f.data(session, complete, view));
        if (verdict.refusal() != null) {
            return refuse(verdict);
        }
        absorb(verdict);
        if (discard) {
            LOG.info("{}: discarded by filter; from=<{}>", queueId, complete.reversePath());
            return reply(new SmtpReply(250, "2.0.0", "Ok: queued as " + queueId)) && !verdict.disconnect();
        }
        try {
            incoming.commit(complete, filterHeaders, hold);
        } catch (IOException e) {
            LOG.error("{}: cannot queue the message: {}", queueId, e.toString());
            return reply(Reply.queueFailure(e));
        }
        LOG.info("{}: client={}[{}]", queueId, session.heloName(), clientIp());
        return reply(new SmtpReply(250, "2.0.0", "Ok: queued as " + queueId)) && !verdict.disconnect();
    }

    /** RFC 5321 §4.4: the trace header every SMTP server adds, folded for readability. */
    private String receivedHeader(String queueId) {
        String with = session.esmtp() ? "ESMTP" : "SMTP";
        String forClause = envelope.recipients().size() == 1 ? "\r\n\tfor <" + envelope.recipients().get(0).address() + ">" : "";
        return "Received: from " + session.heloName() + " ([" + clientIp() + "])\r\n\tby " + settings.hostname()
                + " (Carrier) with " + with + " id " + queueId + forClause + ";\r\n\t"
                + RFC5322_DATE.format(ZonedDateTime.now()) + "\r\n";
    }

    private void absorb(FilterChain.Verdict verdict) {
        filterHeaders.addAll(verdict.headers());
        discard |= verdict.discard();
        hold |= verdict.hold();
    }

    private boolean refuse(FilterChain.Verdict verdict) throws IOException {
        boolean goOn = error(verdict.refusal());
        return goOn && !verdict.disconnect();
    }

    private void resetTransaction() {
        envelope = null;
        transactionChain = FilterChain.EMPTY;
        filterHeaders.clear();
        discard = false;
        hold = false;
    }

    private String clientIp() {
        return session.clientAddress().getAddress().getHostAddress();
    }

    /**
     * Reads one command line (CRLF, or a bare LF, ends it). Returns null if it was longer than
     * RFC 5321 allows; the rest of that line is skipped.
     */
    private String readCommandLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        boolean tooLong = false;
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                if (tooLong) {
                    return null;
                }
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.UTF_8);
            }
            if (line.size() >= MAX_COMMAND_LINE) {
                tooLong = true;
            } else {
                line.write(b);
            }
        }
        throw new EOFException();
    }

    private boolean error(SmtpReply reply) throws IOException {
        errors++;
        return reply(reply);
    }

    private boolean tooManyErrors() throws IOException {
        if (errors > settings.maxErrors()) {
            reply(new SmtpReply(421, "4.7.0", settings.hostname() + " Error: too many errors"));
            out.flush();
            return true;
        }
        return false;
    }

    /** Queues a reply (sent at the next flush); always true, so handlers can end with it. */
    private boolean reply(SmtpReply reply) throws IOException {
        out.write(Reply.wire(reply).getBytes(StandardCharsets.UTF_8));
        if (reply.code() == 421 || reply.code() == 221) {
            out.flush();
        }
        return true;
    }

    private void quietly(SmtpReply reply) {
        try {
            reply(reply);
            out.flush();
        } catch (IOException | RuntimeException e) {
            // the connection is going away anyway
        }
    }
}
