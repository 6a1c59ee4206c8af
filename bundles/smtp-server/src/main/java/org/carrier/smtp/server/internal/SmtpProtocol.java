package org.carrier.smtp.server.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.message.HopLimit;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.outbound.Submission;
import org.carrier.api.queue.IncomingMessage;
import org.carrier.api.queue.QueueUnavailableException;
import org.carrier.api.route.Destination;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.text.Printable;
import org.carrier.smtp.server.internal.auth.AuthExchange;
import org.carrier.smtp.server.internal.auth.AuthReplies;
import org.carrier.smtp.server.internal.auth.AuthStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP server side of one session as a state machine (RFC 5321 §3, §4.1): it takes a command line or a
 * piece of message content and answers with the replies and what to read next. It knows nothing of sockets;
 * the I/O layer calls it from one thread at a time. Steps that may block (filters, the router, the queue, a
 * password check) run off the network threads; the {@code ...AtOnce} methods answer on the network thread
 * what cannot block and return null for the rest, which the I/O layer then hands to a worker.
 */
final class SmtpProtocol {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpProtocol.class);
    private static final Pattern BDAT = Pattern.compile("(\\d{1,18})(?: +(LAST))? *", Pattern.CASE_INSENSITIVE);
    private static final SmtpReply HELP = new SmtpReply(214, "2.0.0",
            "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH");

    private final ListenerSettings settings;
    private final SessionServices services;
    private SessionInfo session;
    private String tlsCipher;
    private FilterChain sessionChain = FilterChain.EMPTY;
    /** What the connect and the last EHLO/HELO filters added (header fields, authentication results): every transaction carries it. */
    private FilterChain.Verdict connectVerdict = FilterChain.Verdict.NONE;
    private FilterChain.Verdict heloVerdict = FilterChain.Verdict.NONE;
    private int errors;
    private int junkCommands;
    private Transaction transaction;
    private MessageContent content;
    private AuthExchange exchange;

    SmtpProtocol(ListenerSettings settings, SessionServices services, String id, InetSocketAddress client, InetSocketAddress local) {
        this.settings = settings;
        this.services = services;
        this.session = new SessionInfo(id, settings.name(), client, local, null, false, null, null,
                settings.trustedNetworks().contains(client.getAddress()));
    }

    SessionInfo session() {
        return session;
    }

    /** RFC 5321 §3.1: the connect filters decide whether the client gets the 220 greeting. */
    Response greet() {
        return greet(services.filters());
    }

    /** {@link #greet} at once when no filter has a connect hook (none can refuse or delay the session); else null. */
    Response greetAtOnce() {
        FilterChain chain = services.filters();
        return chain.hooks(FilterStage.CONNECT) ? null : greet(chain);
    }

    private Response greet(FilterChain chain) {
        LOG.debug("{}: connect from [{}]", session.sessionId(), clientIp());
        sessionChain = chain;
        FilterChain.Verdict connect = sessionChain.run(session.sessionId(), FilterStage.CONNECT, f -> f.connect(session));
        if (connect.refusal() != null) {
            return Response.close(connect.refusal());
        }
        connectVerdict = connect;
        return Response.reply(new SmtpReply(220, null, settings.hostname() + " ESMTP Carrier"));
    }

    /** One command line, without its CRLF (or, during AUTH, the client's answer to the challenge). */
    Response command(String line) {
        if (exchange != null) {
            return authStep(exchange.respond(line));
        }
        int space = line.indexOf(' ');
        String verb = verbOf(line);
        String arg = space < 0 ? "" : line.substring(space + 1);
        return switch (verb) {
            case "EHLO" -> hello(arg, true);
            case "HELO" -> hello(arg, false);
            case "MAIL" -> mail(arg);
            case "RCPT" -> rcpt(arg);
            case "DATA" -> data(arg);
            case "BDAT" -> bdat(arg);
            case "RSET" -> rset(arg);
            // RFC 5321 §4.1.1.9: NOOP may carry a string, which is ignored.
            case "NOOP" -> junk(Response.reply(Reply.OK));
            // RFC 5321 §4.1.1.10: QUIT takes no argument; one that has one is not QUIT, and the session goes on.
            case "QUIT" -> arg.isBlank() ? Response.close(Reply.BYE) : error(Reply.noArgument("QUIT"));
            // RFC 5321 §3.5.3: 252 when we do not verify addresses.
            case "VRFY" -> arg.isBlank() ? error(Reply.syntax("Syntax: VRFY address"))
                    : junk(Response.reply(new SmtpReply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery")));
            case "HELP" -> junk(Response.reply(HELP));
            case "STARTTLS" -> startTls(arg);
            case "AUTH" -> auth(arg);
            case "EXPN", "TURN", "ETRN", "SEND", "SOML", "SAML" -> error(Reply.NOT_IMPLEMENTED);
            default -> error(Reply.UNKNOWN);
        };
    }

    /** RFC 5321 §4.1.1.5: RSET takes no argument. */
    private Response rset(String arg) {
        if (!arg.isBlank()) {
            return error(Reply.noArgument("RSET"));
        }
        resetTransaction();
        return junk(Response.reply(Reply.OK));
    }

    /**
     * A command line with a bare CR or LF in it (RFC 5321 §2.3.8: a line ends only with CRLF, and neither may occur
     * alone): refused as a whole, so no part of it is taken as a command or a parameter. During AUTH it ends the exchange.
     */
    Response bareLineEnding() {
        exchange = null;
        return error(Reply.BARE_LINE_ENDING_IN_COMMAND);
    }

    /**
     * The client sent more input after DATA before our 354 came (RFC 2920 §3.1: DATA ends a pipelined group, the client
     * must wait for 354). That input was sent blind, so it is never taken as content, nor as commands: the transaction
     * is dropped and the session closed, as Postfix answers improper pipelining.
     */
    Response pipelinedBeforeData() {
        LOG.info("{}: reject: DATA from [{}]: message data sent before the 354 reply (improper pipelining)", session.sessionId(), clientIp());
        resetTransaction();
        return Response.close(Reply.PIPELINED_BEFORE_DATA);
    }

    /**
     * {@link #command} at once when answering cannot block; null when it may, and {@link #command} must run
     * on a worker. Most commands of a transaction need no worker when no filter has a hook for them.
     */
    Response commandAtOnce(String line) {
        if (exchange != null) {
            return null; // an AUTH answer: checking a password takes a deliberately slow hash
        }
        return mayBlock(verbOf(line), line) ? null : command(line);
    }

    private boolean mayBlock(String verb, String line) {
        return switch (verb) {
            // the queue (its files at DATA and BDAT) unless it has a file ready, AUTH (password hashes)
            case "DATA" -> !services.queue().receivesAtOnce();
            case "BDAT", "AUTH" -> true;
            case "RCPT" -> rcptMayBlock(line);
            // filters may block; dropping a message being received removes its queue file
            case "EHLO", "HELO" -> sessionChain.hooks(FilterStage.HELO) || content != null;
            case "MAIL" -> services.filters().hooks(FilterStage.MAIL);
            case "RSET" -> content != null;
            default -> false;
        };
    }

    /**
     * RCPT blocks when a filter hooks it or the router may wait (DNS for an MX route); an RCPT refused before
     * routing (out of sequence, bad syntax) is answered at once.
     */
    private boolean rcptMayBlock(String line) {
        if (transaction == null || content != null) {
            return false;
        }
        if (transaction.filters().hooks(FilterStage.RCPT)) {
            return true;
        }
        MailAddress address = rcptAddress(line.substring(Math.min(line.length(), 5)));
        return address != null && !services.router().routesAtOnce(atOwnLiteral(address));
    }

    /** The address of an RCPT argument, or null when it does not parse (rcpt then answers with the error). */
    private static MailAddress rcptAddress(String arg) {
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) {
            return null;
        }
        try {
            return PathArgument.parse(arg.substring(3), false, "localhost").address();
        } catch (PathArgument.SyntaxException e) {
            return null;
        }
    }

    private static String verbOf(String line) {
        int space = line.indexOf(' ');
        return (space < 0 ? line : line.substring(0, space)).toUpperCase(Locale.ROOT);
    }

    /** RFC 5321 §4.5.3.1.4: a command line longer than the limit is refused as a whole (RFC 4954 §4: an AUTH line too). */
    Response overlongLine() {
        if (exchange != null) {
            exchange = null;
            return error(AuthReplies.LINE_TOO_LONG);
        }
        return error(Reply.LINE_TOO_LONG);
    }

    /** RFC 3207 §4: STARTTLS, offered while the connection is in clear and the listener has a certificate. */
    private Response startTls(String arg) {
        if (!settings.authRules().advertiseStartTls(session.tlsProtocol() != null, settings.tls() != null)) {
            return error(settings.tls() == null ? Reply.NOT_IMPLEMENTED : Reply.BAD_SEQUENCE);
        }
        if (!arg.isBlank()) {
            return error(Reply.syntax("Syntax: STARTTLS takes no argument"));
        }
        return Response.then(Reply.READY_FOR_TLS, Response.Next.START_TLS);
    }

    /**
     * The TLS handshake is done: RFC 3207 §4.2, the session starts afresh, forgetting EHLO, the transaction and any
     * authentication; the client speaks first.
     */
    Response tlsStarted(String protocol, String cipher) {
        resetTransaction();
        tlsCipher = cipher;
        session = new SessionInfo(session.sessionId(), session.listenerName(), session.clientAddress(), session.localAddress(),
                null, false, protocol, null, settings.trustedNetworks().contains(session.clientAddress().getAddress()), cipher);
        LOG.debug("{}: {} with {}", session.sessionId(), protocol, cipher);
        return Response.SILENT;
    }

    /** RFC 4954: AUTH mechanism [initial-response]. */
    private Response auth(String arg) {
        Optional<SmtpReply> refused = settings.authRules().refuseAuth(session.esmtp(), session.tlsProtocol() != null,
                session.authenticatedUser() != null, transaction != null);
        InetAddress client = session.clientAddress().getAddress();
        boolean trusted = settings.trustedNetworks().contains(client);
        refused = refused.or(() -> services.authGuard().refuse(client, trusted));
        if (refused.isPresent()) {
            return error(refused.get());
        }
        exchange = new AuthExchange(services.authGuard().guard(settings.users(), client, trusted));
        return authStep(exchange.start(arg));
    }

    private Response authStep(AuthStep step) {
        if (step.finished()) {
            exchange = null;
        }
        return switch (step.outcome()) {
            case CHALLENGE -> Response.then(step.reply(), Response.Next.AUTH_RESPONSE);
            case AUTHENTICATED -> {
                LOG.info("{}: [{}] authenticated as {}", session.sessionId(), clientIp(), Printable.text(step.user()));
                session = new SessionInfo(session.sessionId(), session.listenerName(), session.clientAddress(), session.localAddress(),
                        session.heloName(), session.esmtp(), session.tlsProtocol(), step.user(), true, session.tlsCipher());
                yield Response.reply(step.reply());
            }
            case FAILED -> {
                // RFC 4954 §4 leaves the pace to us: each failure from an address waits longer, so guessing is slow.
                InetAddress client = session.clientAddress().getAddress();
                Duration delay = services.authFailures().recordFailure(client);
                services.authGuard().recordFailure(client, step.user(), settings.trustedNetworks().contains(client), settings.authLockout());
                LOG.info("{}: AUTH failed from [{}] for {}; answering in {} ms", session.sessionId(), clientIp(), Printable.text(step.user()),
                        delay.toMillis());
                yield error(step.reply()).delayedBy(delay.toMillis());
            }
            case ABORTED -> error(step.reply());
        };
    }

    /** RFC 5321 §4.5.3.2: a client that stays silent too long is told 421 and disconnected. */
    Response timeout() {
        LOG.info("{}: timeout after {} from [{}]", session.sessionId(), content == null ? "command" : "data", clientIp());
        return Response.close(Reply.closing(settings.hostname(), "4.4.2", "Error: timeout exceeded"));
    }

    /** The connection is gone: whatever was being received is dropped. */
    void close() {
        resetTransaction();
    }

    /** {@link #close} at once when no message is being received (dropping one removes its file); else false. */
    boolean closeAtOnce() {
        if (content != null) {
            return false;
        }
        close();
        return true;
    }

    private Response hello(String arg, boolean extended) {
        String name = stripSpaces(arg);
        if (name.isEmpty() || name.contains(" ")) {
            return error(Reply.syntax("Syntax: " + (extended ? "EHLO" : "HELO") + " hostname"));
        }
        if (!(extended ? Printable.isVisibleUtf8(name) : Printable.isVisibleAscii(name))) {
            return error(Reply.badHeloName(extended));
        }
        resetTransaction();
        session = session.withHelo(name, extended);
        heloVerdict = FilterChain.Verdict.NONE;
        FilterChain.Verdict verdict = sessionChain.run(session.sessionId(), FilterStage.HELO, f -> f.helo(session));
        if (verdict.refusal() != null) {
            // The refused greeting did not happen: MAIL needs a HELO/EHLO that is accepted (503 until then).
            session = session.withHelo(null, false);
            return refuse(verdict);
        }
        heloVerdict = verdict;
        if (!extended) {
            return Response.reply(new SmtpReply(250, null, settings.hostname()));
        }
        List<String> lines = new ArrayList<>(List.of(settings.hostname(), "PIPELINING", "SIZE " + sessionChain.maxMessageSize(session, settings.maxMessageSize()),
                "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "DSN", "CHUNKING"));
        boolean tlsActive = session.tlsProtocol() != null;
        if (settings.authRules().advertiseStartTls(tlsActive, settings.tls() != null)) {
            lines.add("STARTTLS");
        }
        if (tlsActive) {
            // RFC 8689 §2: REQUIRETLS is offered only once TLS is in place, so a client sees it only where it may use it.
            lines.add(Envelope.REQUIRETLS);
        }
        if (settings.authRules().advertiseAuth(tlsActive, session.authenticatedUser() != null)) {
            lines.add(AuthExchange.ehloKeyword(settings.users()));
        }
        return Response.reply(new SmtpReply(250, null, String.join("\n", lines)));
    }

    /**
     * The argument without the spaces around it; only spaces: a tab or any other control is not a separator here
     * and is refused with the name (RFC 5321 §4.1.1.1: {@code "EHLO" SP ( Domain / address-literal ) CRLF}).
     */
    private static String stripSpaces(String arg) {
        int from = 0;
        int to = arg.length();
        while (from < to && arg.charAt(from) == ' ') {
            from++;
        }
        while (to > from && arg.charAt(to - 1) == ' ') {
            to--;
        }
        return arg.substring(from, to);
    }

    private Response mail(String arg) {
        if (session.heloName() == null || transaction != null) {
            return error(Reply.BAD_SEQUENCE);
        }
        // RFC 6409 §4.3 and RFC 4954 §6: submission needs an authenticated client.
        Optional<SmtpReply> needsAuth = settings.authRules().refuseMail(session.tlsProtocol() != null, session.authenticatedUser() != null);
        if (needsAuth.isPresent()) {
            return error(needsAuth.get());
        }
        if (!arg.regionMatches(true, 0, "FROM:", 0, 5)) {
            return error(Reply.syntax("Syntax: MAIL FROM:<address>"));
        }
        PathArgument path;
        try {
            path = PathArgument.parse(arg.substring(5), true, null);
        } catch (PathArgument.SyntaxException e) {
            return error(e.inParameters() ? Reply.syntax(e.getMessage()) : new SmtpReply(501, "5.1.7", e.getMessage()));
        }
        FilterChain chain = services.filters();
        long maxMessageSize = chain.maxMessageSize(session, settings.maxMessageSize());
        SmtpReply bad = parametersAllowed(path);
        if (bad == null) {
            bad = EsmtpParameters.checkMail(path.parameters(), maxMessageSize, session.tlsProtocol() != null);
        }
        if (bad == null && PathArgument.isInternational(path.address()) && !path.parameters().containsKey("SMTPUTF8")) {
            bad = Reply.NEEDS_SMTPUTF8;
        }
        if (bad == Reply.SIZE_EXCEEDS_LIMIT) {
            chain.countSizeRefusal(session, settings.maxMessageSize());
        }
        if (bad != null) {
            return error(bad);
        }
        Envelope candidate = Envelope.from(path.address() == null ? MailAddress.nullSender() : path.address(), path.parameters());
        Optional<SmtpReply> notOwned = settings.senderLogins().refuseSender(session, candidate.reversePath());
        if (notOwned.isPresent()) {
            return error(notOwned.get());
        }
        FilterChain.States states = chain.newStates();
        FilterChain.Verdict verdict = chain.run(session.sessionId(), FilterStage.MAIL, states,
                (f, state) -> f.mailFrom(session, candidate, state));
        if (verdict.refusal() != null) {
            states.end(session.sessionId()); // no transaction began
            return refuse(verdict);
        }
        transaction = new Transaction(candidate, chain, states, maxMessageSize);
        transaction.absorb(connectVerdict);
        transaction.absorb(heloVerdict);
        transaction.absorb(verdict);
        return Response.reply(Reply.OK_MAIL);
    }

    /** RFC 1869: parameters only after EHLO. */
    private SmtpReply parametersAllowed(PathArgument path) {
        return path.parameters().isEmpty() || session.esmtp() ? null : new SmtpReply(555, "5.5.4", "Parameters need EHLO");
    }

    private Response rcpt(String arg) {
        if (transaction == null || content != null) {
            return error(Reply.BAD_SEQUENCE);
        }
        if (!arg.regionMatches(true, 0, "TO:", 0, 3)) {
            return error(Reply.syntax("Syntax: RCPT TO:<address>"));
        }
        PathArgument path;
        try {
            path = PathArgument.parse(arg.substring(3), false, "localhost");
        } catch (PathArgument.SyntaxException e) {
            return error(e.inParameters() ? Reply.syntax(e.getMessage()) : new SmtpReply(501, "5.1.3", e.getMessage()));
        }
        SmtpReply bad = parametersAllowed(path);
        if (bad == null) {
            bad = EsmtpParameters.checkRcpt(path.parameters());
        }
        Envelope envelope = transaction.envelope();
        if (bad == null && PathArgument.isInternational(path.address()) && !envelope.mailParameters().containsKey("SMTPUTF8")) {
            bad = Reply.NEEDS_SMTPUTF8;
        }
        if (bad != null) {
            return error(bad);
        }
        if (envelope.recipients().size() >= settings.maxRecipients()) {
            // RFC 5321 §4.5.3.1.10: 452 lets the client send the rest in another transaction.
            return Response.reply(Reply.TOO_MANY_RECIPIENTS);
        }
        MailAddress address = atOwnLiteral(path.address());
        Recipient recipient = new Recipient(address, path.parameters());
        SmtpReply refused = routeRefusal(address);
        if (refused != null) {
            // the refusal quotes the client's address (the router's "<x@y>: no route"): escaped like the address itself
            LOG.info("{}: reject: RCPT from [{}]: {}; to=<{}>", session.sessionId(), clientIp(), Printable.text(refused.toString()),
                    Printable.text(address.toString()));
            return error(refused);
        }
        FilterChain.Verdict verdict = transaction.filters().run(session.sessionId(), FilterStage.RCPT, transaction.states(),
                (f, state) -> f.rcptTo(session, envelope, recipient, state));
        if (verdict.refusal() != null) {
            return refuse(verdict);
        }
        transaction.add(recipient);
        transaction.absorb(verdict);
        return Response.reply(Reply.OK_RCPT);
    }

    /**
     * RFC 5321 §4.1.3 and §4.5.1: an address literal naming the address the client connected to is this host, so
     * {@code postmaster@[192.0.2.1]} must reach our postmaster. Such a recipient becomes the same local part at our
     * first local domain, where the alias table applies; any other address (or no local domain) stays as it is.
     */
    private MailAddress atOwnLiteral(MailAddress address) {
        String domain = address.domain();
        if (!domain.startsWith("[") || !ownAddress(domain)) {
            return address;
        }
        return services.router().primaryLocalDomain().map(local -> MailAddress.of(address.localPart(), local)).orElse(address);
    }

    /** Whether an address literal ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]}) is the session's local address. */
    private boolean ownAddress(String literal) {
        String inside = literal.substring(1, literal.length() - 1);
        if (inside.regionMatches(true, 0, "IPv6:", 0, 5)) {
            inside = inside.substring(5);
        }
        try {
            // The parser accepted only IPv4 and IPv6 literals, so this parses text and never asks DNS.
            return InetAddress.getByName(inside).equals(session.localAddress().getAddress());
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The router's refusal, or relay access denied: never an open relay (RFC 5321 §3.6.2, §7.1). */
    private SmtpReply routeRefusal(MailAddress address) {
        RouteDecision decision = services.router().route(address);
        if (decision.destination() == Destination.REFUSED) {
            return decision.refusal();
        }
        if (decision.destination() == Destination.REMOTE && !session.relayPermitted()) {
            return new SmtpReply(554, "5.7.1", "<" + address + ">: Relay access denied");
        }
        return null;
    }

    private Response data(String arg) {
        if (transaction == null || content != null) {
            // RFC 3030 §3: DATA after BDAT in the same transaction is out of sequence.
            return error(Reply.BAD_SEQUENCE);
        }
        if (transaction.envelope().recipients().isEmpty()) {
            return error(Reply.NO_RECIPIENTS);
        }
        if (!arg.isBlank()) {
            return error(Reply.syntax("Syntax: DATA takes no argument"));
        }
        SmtpReply failed = startMessage(true);
        if (failed != null) {
            return Response.reply(failed);
        }
        return Response.then(Reply.START_DATA, Response.Next.CONTENT);
    }

    /**
     * RFC 3030 §2: {@code BDAT size [LAST]}. The chunk is read in full whatever the answer, so a refused
     * chunk never turns into commands.
     */
    private Response bdat(String arg) {
        Matcher m = BDAT.matcher(arg);
        if (!m.matches()) {
            return error(Reply.syntax("Syntax: BDAT size [LAST]"));
        }
        long size = Long.parseLong(m.group(1));
        boolean last = m.group(2) != null;
        SmtpReply refusal = null;
        // CHUNKING is an ESMTP extension: after HELO it was never offered.
        if (!session.esmtp() || transaction == null || (content != null && content.dotted)) {
            refusal = Reply.BAD_SEQUENCE;
        } else if (transaction.envelope().recipients().isEmpty()) {
            refusal = Reply.NO_RECIPIENTS;
        } else if (content == null) {
            refusal = startMessage(false);
        }
        if (refusal != null) {
            errors++;
            content = MessageContent.refusedChunk(refusal, content);
        }
        content.startChunk(size, last);
        return size == 0 ? chunkDone() : Response.MORE_CONTENT;
    }

    /** Opens the queue file and writes our Received header into it; the refusal if the queue cannot take mail. */
    private SmtpReply startMessage(boolean dotted) {
        IncomingMessage incoming;
        try {
            incoming = services.queue().receive();
        } catch (IOException e) {
            logQueueFailure(session.sessionId(), "start a queue file", e);
            return Reply.queueFailure(e);
        }
        content = new MessageContent(incoming, dotted, settings.normalizeBareLineEndings(), transaction.maxMessageSize(),
                settings.hostname());
        content.write(TraceHeader.received(session, settings.hostname(), transaction.envelope(), incoming.queueId(), tlsCipher,
                settings.receivedShowsAuthUser()));
        return null;
    }

    /** Message content: DATA up to its end line, or the bytes of the current BDAT chunk. */
    Response content(ByteBuffer in) {
        Response now = contentAtOnce(in);
        return now != null ? now : contentComplete();
    }

    /**
     * Takes content without blocking (its bytes go to the queue file's buffers, as a mail server writes
     * received data). Null once the message or its last chunk is complete, or a chunk is refused: then
     * {@link #contentComplete} checks and queues it (or drops it) on a worker.
     */
    Response contentAtOnce(ByteBuffer in) {
        if (content == null) {
            throw new IllegalStateException("no content expected");
        }
        if (content.dotted) {
            return content.reader.feed(in) ? null : Response.MORE_CONTENT;
        }
        if (!content.takeChunk(in)) {
            return Response.MORE_CONTENT;
        }
        return content.last || content.refusal != null || content.reader.result().tooBig() ? null : chunkDone();
    }

    /** What {@link #contentAtOnce} left to a worker: the end of the message (data filters, queue) or a refused chunk. */
    Response contentComplete() {
        return content.dotted ? endOfMessage() : chunkDone();
    }

    private Response chunkDone() {
        MessageContent c = content;
        if (c.refusal == null && !c.last && c.reader.result().tooBig()) {
            c.refusal = Reply.MESSAGE_TOO_BIG;
            transaction.filters().countSizeRefusal(session, settings.maxMessageSize());
            errors++;
        }
        if (c.refusal != null) {
            // RFC 3030 §4.2: a refused chunk fails the transaction; chunks still in the pipeline are read and refused too.
            resetTransaction();
            Response refused = Response.reply(c.refusal);
            return tooManyErrors() ? refused.thenClose(Reply.tooManyErrors(settings.hostname())) : refused;
        }
        if (!c.last) {
            return Response.reply(new SmtpReply(250, "2.0.0", c.chunkSize + " octets received"));
        }
        return endOfMessage();
    }

    /** The whole message is in: check it, run the data filters, and queue it. */
    private Response endOfMessage() {
        MessageContent c = content;
        try {
            DataReader.Result result = c.finish();
            String queueId = c.incoming.queueId();
            if (result.writeFailure() != null) {
                logQueueFailure(queueId, "write the queue file", result.writeFailure());
                return Response.reply(Reply.queueFailure(result.writeFailure()));
            }
            if (result.bareLineEnding() && !settings.normalizeBareLineEndings()) {
                LOG.info("{}: reject: bare CR or LF in message data from [{}]", queueId, clientIp());
                return error(Reply.BARE_LINE_ENDING);
            }
            if (result.tooBig()) {
                LOG.info("{}: reject: message of {} bytes exceeds {} from [{}]", queueId, result.size(), transaction.maxMessageSize(), clientIp());
                transaction.filters().countSizeRefusal(session, settings.maxMessageSize());
                return error(Reply.MESSAGE_TOO_BIG);
            }
            int hops = c.hops() + 1; // ours included, as the queue counts them (and Postfix's cleanup)
            Optional<SmtpReply> loop = HopLimit.refusal(hops, settings.maxHops());
            if (loop.isPresent()) {
                // RFC 5321 §6.3: a message that has passed too many hops is in a loop; refused, it is not queued again.
                LOG.info("{}: reject: too many hops: {} Received fields with ours, maxHops is {}, from [{}] (a mail loop?); from=<{}>",
                        queueId, hops, settings.maxHops(), clientIp(), Printable.text(transaction.envelope().reversePath().toString()));
                return error(loop.get());
            }
            if (c.forgedAuthResults() > 0) {
                LOG.info("{}: removed {} Authentication-Results field(s) in our name from [{}]", queueId, c.forgedAuthResults(), clientIp());
            }
            return queue(c);
        } finally {
            resetTransaction();
        }
    }

    private Response queue(MessageContent content) {
        IncomingMessage incoming = content.incoming;
        String queueId = incoming.queueId();
        Envelope complete = transaction.envelope();
        // Later data filters see the authentication results of earlier ones (a DMARC filter needs SPF's and DKIM's).
        List<AuthResult> seen = new CopyOnWriteArrayList<>(transaction.authResults());
        SessionInfo sender = session;
        ReceivedMessage view = new ReceivedMessage(incoming, queueId, seen, headers -> settings.senderLogins().ownsAuthor(sender, headers),
                transaction.maxMessageSize());
        Optional<SmtpReply> notOwned = settings.senderLogins().refuseAuthor(queueId, session, view::headers);
        if (notOwned.isPresent()) {
            return error(notOwned.get());
        }
        FilterChain.Verdict verdict = transaction.filters().run(queueId, FilterStage.DATA, transaction.states(),
                (f, state) -> f.data(session, complete, view, state), result -> seen.addAll(result.authResults()));
        try {
            if (verdict.refusal() != null) {
                return refuse(verdict);
            }
            transaction.absorb(verdict);
            if (transaction.discarded()) {
                LOG.info("{}: discarded by filter {}; from=<{}>", queueId, transaction.discardedBy(), Printable.text(complete.reversePath().toString()));
            } else {
                Response failed = commit(incoming, complete, verdict.edits(),
                        submittedHere(view) ? requiredFields(content, queueId) : null);
                if (failed != null) {
                    return failed;
                }
            }
        } finally {
            MessageEditor.release(verdict.edits());
        }
        Response ok = Response.reply(Reply.queued(queueId));
        return verdict.disconnect() ? ok.thenClose(Reply.closing(settings.hostname(), "4.7.0", "Closing connection")) : ok;
    }

    /**
     * Applies the data filters' edits to the message and queues it (RFC 5321 §4.1.1.4: the 250 follows only once it is
     * durable, edited); the reply for a failure, or null once queued. Edits that cannot be applied refuse the message,
     * which stays with the client; edits that leave no recipient drop it, as Postfix's cleanup does.
     */
    private Response commit(IncomingMessage incoming, Envelope received, List<MessageEditor.FilterEdits> edits,
                            List<HeaderField> submittedHere) {
        String queueId = incoming.queueId();
        Envelope envelope;
        try {
            envelope = MessageEditor.apply(queueId, incoming, received, edits, transaction.maxMessageSize(), session.tlsProtocol() != null);
        } catch (MessageEditor.Refused e) {
            if (e.reply().code() >= 500) {
                LOG.info("{}", Printable.text(e.getMessage()));
            } else {
                LOG.error("{}", Printable.text(e.getMessage()));
            }
            return error(e.reply());
        } catch (IOException e) {
            logQueueFailure(queueId, "apply the filters' edits", e);
            return Response.reply(Reply.queueFailure(e));
        }
        if (envelope.recipients().isEmpty()) {
            LOG.info("{}: discarded: the filters' edits left no recipient; from=<{}>", queueId,
                    Printable.text(received.reversePath().toString()));
            return null;
        }
        List<HeaderField> header = transaction.headers(settings.hostname());
        if (submittedHere != null) {
            envelope = new Envelope(envelope.reversePath(), Submission.mark(envelope.mailParameters()), envelope.recipients());
            header = new ArrayList<>(header);
            header.addAll(submittedHere);
        }
        try {
            incoming.commit(envelope, header, transaction.hold());
        } catch (IOException e) {
            logQueueFailure(queueId, "queue the message", e);
            return Response.reply(Reply.queueFailure(e));
        }
        services.metrics().received();
        LOG.info("{}: client={}[{}]", queueId, Printable.text(session.heloName()), clientIp());
        return null;
    }

    /**
     * Whether this site is the author's agent for the message, so that the outbound stage may sign it with our keys
     * (kept with the queued message, {@link Submission}): a client that may relay, and, when it logged in, a user who
     * owns the From (the sender-login rule), never a user's mail in someone else's name. Mail from elsewhere is not,
     * whatever its From says: RFC 6376 §1.2, a signature vouches for the message's origin.
     */
    private boolean submittedHere(ReceivedMessage view) {
        if (!session.relayPermitted()) {
            return false;
        }
        if (session.authenticatedUser() == null || view.fromOwnedByUser()) {
            return true;
        }
        LOG.info("{}: not submitted here: user {} does not own the From address; the message will not be signed",
                view.queueId(), Printable.text(session.authenticatedUser()));
        return false;
    }

    /**
     * RFC 5322 §3.6: a message must have a Date and a Message-ID. A message submitted here gets what it lacks once, at
     * intake (as Postfix's cleanup does for local submissions, always_add_missing_headers), so that every delivery
     * attempt sends, and the outbound stage signs, the same fields. Mail from elsewhere is passed on as it came.
     */
    private List<HeaderField> requiredFields(MessageContent content, String queueId) {
        List<HeaderField> fields = new ArrayList<>(2);
        if (!content.hasDate()) {
            fields.add(new HeaderField("Date", TraceHeader.now()));
        }
        if (!content.hasMessageId()) {
            fields.add(new HeaderField("Message-ID", "<" + queueId + "@" + settings.hostname() + ">"));
        }
        return fields;
    }

    private Response refuse(FilterChain.Verdict verdict) {
        Response r = error(verdict.refusal());
        if (verdict.disconnect() && r.next() != Response.Next.CLOSE) {
            return r.thenClose(Reply.closing(settings.hostname(), "4.7.0", "Closing connection"));
        }
        return r;
    }

    private void resetTransaction() {
        if (transaction != null) {
            transaction.end(session.sessionId());
        }
        transaction = null;
        if (content != null) {
            content.discard();
            content = null;
        }
    }

    /**
     * The queue refusing mail for now (low disk space, which the queue has warned of once) is logged as the reject it
     * is, one line a transaction as for other rejects; anything else is an error.
     */
    private void logQueueFailure(String id, String step, IOException e) {
        if (e instanceof QueueUnavailableException refusal) {
            LOG.info("{}: reject: DATA from [{}]: {}", id, clientIp(), refusal.reply());
        } else {
            LOG.error("{}: cannot {}: {}", id, step, e.toString());
        }
    }

    private String clientIp() {
        return session.clientAddress().getAddress().getHostAddress();
    }

    /** Past the junk command limit, NOOP, RSET, VRFY and HELP count as errors (as Postfix's smtpd_junk_command_limit). */
    private Response junk(Response r) {
        if (++junkCommands <= settings.maxJunkCommands()) {
            return r;
        }
        errors++;
        return tooManyErrors() ? r.thenClose(Reply.tooManyErrors(settings.hostname())) : r;
    }

    /** An error reply; past the session's error limit it is followed by 421 and the connection closes. */
    private Response error(SmtpReply reply) {
        errors++;
        Response r = Response.reply(reply);
        return tooManyErrors() ? r.thenClose(Reply.tooManyErrors(settings.hostname())) : r;
    }

    private boolean tooManyErrors() {
        if (errors > settings.maxErrors()) {
            LOG.info("{}: too many errors from [{}]", session.sessionId(), clientIp());
            return true;
        }
        return false;
    }
}
