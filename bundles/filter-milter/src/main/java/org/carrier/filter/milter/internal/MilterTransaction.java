package org.carrier.filter.milter.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.MessageView;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.filter.milter.internal.MilterChannel.Packet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One milter conversation for one mail transaction: opened at MAIL FROM, where it negotiates and replays the
 * session's connect and HELO with their macros, then MAIL, each RCPT, and at the end of the data the header fields,
 * the body and the end of message, whose modifications become the filter's edits. It lives in the filter's
 * {@link org.carrier.api.filter.TransactionState}, which closes it when the transaction ends (SMFIC_ABORT if the
 * message was not finished, then SMFIC_QUIT).
 * <p>
 * Steps the milter left out in negotiation (SMFIP_NO*) are not sent; steps it will not answer (SMFIP_NR_*) are not
 * waited for. Anything the protocol does not allow, a timeout, or a lost connection is a {@link MilterFailure}: one
 * log line, and the filter's {@code defaultAction} for the rest of the transaction.
 */
final class MilterTransaction implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MilterTransaction.class);

    /** Where the conversation stands. */
    private enum Status {
        /** Talking. */
        OPEN,
        /** The milter accepted the message: it wants nothing more of this transaction. */
        ACCEPTED,
        /** The milter discarded the message: it is dropped at the end of the data. */
        DISCARDED,
        /** The milter failed: every later stage gets the default action. */
        FAILED
    }

    private final Settings settings;
    private final MilterMetrics metrics;
    private MilterChannel channel;
    private Status status = Status.OPEN;
    private int actions;
    private int protocol;
    private final Map<MacroStage, List<String>> macros = new EnumMap<>(MacroStage.class);
    private boolean messageOpen;

    /** Told the protocol flags each negotiation gives, so that the filter's stages follow them. */
    private final IntConsumer negotiated;

    MilterTransaction(Settings settings, MilterMetrics metrics, IntConsumer negotiated) {
        this.settings = settings;
        this.metrics = metrics;
        this.negotiated = negotiated;
        this.macros.putAll(settings.macros());
    }

    /** MAIL FROM: connect, negotiate, then the session's connect and HELO and this MAIL. */
    FilterResult mailFrom(SessionInfo session, Envelope envelope) {
        String logId = session.sessionId();
        try {
            if (settings.address() == null) {
                throw new MilterFailure(MilterFailure.Kind.UNREACHABLE, "no usable address: its configuration was refused (see the line about it)");
            }
            channel = MilterChannel.open(settings.address(), settings.connectTimeoutMillis());
            negotiate();
            MacroValues connectValues = new MacroValues(session, null, null, null);
            FilterResult refused = step(logId, "connect", Protocol.NOCONNECT, Protocol.NR_CONN, MacroStage.CONNECT,
                    connectPayload(session, connectValues), connectValues);
            if (refused == null && session.heloName() != null) {
                refused = step(logId, "helo", Protocol.NOHELO, Protocol.NR_HELO, MacroStage.HELO,
                        strings(session.heloName()), connectValues);
            }
            messageOpen = true;
            if (refused == null) {
                refused = step(logId, "mail", Protocol.NOMAIL, Protocol.NR_MAIL, MacroStage.MAIL,
                        strings(withParameters("<" + envelope.reversePath() + ">", envelope.mailParameters())),
                        new MacroValues(session, envelope, null, null));
            }
            return outcome(refused);
        } catch (MilterFailure e) {
            return fail(logId, e);
        }
    }

    /** RCPT TO: a refusal refuses this recipient only, as libmilter's xxfi_envrcpt. */
    FilterResult rcptTo(SessionInfo session, Envelope envelope, Recipient recipient) {
        if (status != Status.OPEN) {
            return settled();
        }
        try {
            return outcome(step(session.sessionId(), "rcpt", Protocol.NORCPT, Protocol.NR_RCPT, MacroStage.RCPT,
                    strings(withParameters("<" + recipient.address() + ">", recipient.parameters())),
                    new MacroValues(session, envelope, recipient, null)));
        } catch (MilterFailure e) {
            return fail(session.sessionId(), e);
        }
    }

    /**
     * The largest new body this milter may send: its own setting, and never more than the message may be (the
     * listener's size limit, RFC 1870), so that a replacement too large to queue is this milter's bad input, met with
     * its defaultAction, rather than the server's 552 afterwards.
     */
    private long bodyLimit(MessageView message) {
        return Math.min(settings.maxBodyReplacement(), message.maxSize());
    }

    /** The end of the data: DATA, the header fields, the end of header, the body, and the end of message. */
    FilterResult data(SessionInfo session, Envelope envelope, MessageView message) {
        if (status != Status.OPEN) {
            return status == Status.DISCARDED ? log(message.queueId(), FilterResult.discard(), List.of()) : settled();
        }
        String logId = message.queueId();
        MacroValues values = new MacroValues(session, envelope, null, logId);
        try (Modifications modifications = new Modifications(actions, bodyLimit(message))) {
            FilterResult refused = step(logId, "data", Protocol.NODATA, Protocol.NR_DATA, MacroStage.DATA, new byte[0], values);
            if (refused == null) {
                refused = content(logId, message, values);
            }
            if (refused != null || status != Status.OPEN) {
                return status == Status.DISCARDED ? log(logId, FilterResult.discard(), List.of()) : outcome(refused);
            }
            sendMacros(MacroStage.EOM, values);
            send("eom", Protocol.BODYEOB, new byte[0]);
            FilterResult verdict = answer(logId, "eom", modifications);
            messageOpen = false;
            status = Status.ACCEPTED;
            // SMFIR_ACCEPT ends this milter's say, not the other filters' of the stage: the edits go with a proceed
            FilterResult result = verdict.action() == FilterAction.CONTINUE || verdict.action() == FilterAction.ACCEPT
                    ? modifications.result() : verdict;
            return log(logId, result, modifications.kinds(), modifications.quarantine());
        } catch (MilterFailure e) {
            return fail(logId, e);
        }
    }

    /** The header fields, the end of header and the body chunks; a refusal, or {@code null} to go on. */
    private FilterResult content(String logId, MessageView message, MacroValues values) throws MilterFailure {
        try (InputStream in = new BufferedInputStream(message.openContent())) {
            List<MessageParts.Field> fields = MessageParts.readHeader(in);
            if ((protocol & Protocol.NOHDRS) == 0) {
                boolean leadingSpace = (protocol & Protocol.HDR_LEADSPC) != 0;
                for (MessageParts.Field f : fields) {
                    String value = leadingSpace || !f.value().startsWith(" ") ? f.value() : f.value().substring(1);
                    FilterResult refused = step(logId, "header", 0, Protocol.NR_HDR, null, latin1(f.name(), value), values);
                    if (refused != null || status != Status.OPEN) {
                        return refused;
                    }
                }
            }
            FilterResult refused = step(logId, "eoh", Protocol.NOEOH, Protocol.NR_EOH, MacroStage.EOH, new byte[0], values);
            if (refused != null || status != Status.OPEN || (protocol & Protocol.NOBODY) != 0) {
                return refused;
            }
            return body(logId, in, values);
        } catch (IOException e) {
            throw new MilterFailure(MilterFailure.Kind.UNREACHABLE, "cannot read the message: " + e.getMessage());
        }
    }

    /** SMFIC_BODY in chunks of at most 65,535 bytes, until the milter says SMFIR_SKIP (if it negotiated it). */
    private FilterResult body(String logId, InputStream in, MacroValues values) throws IOException, MilterFailure {
        byte[] chunk = new byte[Protocol.BODY_CHUNK];
        int n;
        while ((n = in.readNBytes(chunk, 0, chunk.length)) > 0) {
            byte[] payload = n == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, n);
            FilterResult refused = step(logId, "body", 0, Protocol.NR_BODY, null, payload, values);
            if (refused == SKIPPED) {
                return null;
            }
            if (refused != null || status != Status.OPEN) {
                return refused;
            }
        }
        return null;
    }

    /** Not a reply: the marker {@link #step} returns for SMFIR_SKIP. */
    private static final FilterResult SKIPPED = FilterResult.accept().andDisconnect();

    /**
     * One step: its macros, its command, and unless the milter said it would not answer, its answer.
     *
     * @param leftOut   the SMFIP_NO* flag that leaves the step out (0: never left out)
     * @param noReply   the SMFIP_NR_* flag by which the milter does not answer it
     * @param macroStage the macros' stage, or {@code null} for none
     * @return a refusal, {@link #SKIPPED}, or {@code null} to go on (also when the milter accepted or discarded:
     *         {@link #status} says so)
     */
    private FilterResult step(String logId, String stage, int leftOut, int noReply, MacroStage macroStage, byte[] payload,
                              MacroValues values) throws MilterFailure {
        if (leftOut != 0 && (protocol & leftOut) != 0) {
            return null;
        }
        if (macroStage != null) {
            sendMacros(macroStage, values);
        }
        send(stage, command(stage), payload);
        if ((protocol & noReply) != 0) {
            return null;
        }
        FilterResult answer = answer(logId, stage, null);
        if (answer.action() == FilterAction.ACCEPT && answer != SKIPPED) {
            status = Status.ACCEPTED;
            log(logId, FilterResult.accept(), List.of());
            return null;
        }
        if (answer.action() == FilterAction.DISCARD) {
            status = Status.DISCARDED;
            log(logId, answer, List.of());
            return null;
        }
        if (answer.action() == FilterAction.CONTINUE) {
            return null;
        }
        return answer == SKIPPED ? answer : log(logId, answer, List.of());
    }

    private static byte command(String stage) {
        return switch (stage) {
            case "connect" -> Protocol.CONNECT;
            case "helo" -> Protocol.HELO;
            case "mail" -> Protocol.MAIL;
            case "rcpt" -> Protocol.RCPT;
            case "data" -> Protocol.DATA;
            case "header" -> Protocol.HEADER;
            case "eoh" -> Protocol.EOH;
            case "body" -> Protocol.BODY;
            default -> Protocol.BODYEOB;
        };
    }

    /**
     * Reads the milter's answer to one command: progress restarts the wait; modifications are taken only at the end of
     * the message ({@code modifications} not null), as libmilter allows them only there.
     *
     * @return proceed (SMFIR_CONTINUE), accept, discard, a refusal, or {@link #SKIPPED}
     */
    private FilterResult answer(String logId, String stage, Modifications modifications) throws MilterFailure {
        boolean eom = modifications != null;
        long timeout = eom ? settings.endOfMessageTimeoutMillis() : settings.commandTimeoutMillis();
        long start = System.nanoTime();
        long limit = start + (eom ? settings.endOfMessageLimitMillis() : timeout) * 1_000_000;
        long deadline = Math.min(start + timeout * 1_000_000, limit);
        while (true) {
            Packet packet = receive(stage, deadline, deadline == limit && eom ? "within endOfMessageLimitMillis (" + settings.endOfMessageLimitMillis() + " ms)"
                    : "within " + timeout + " ms");
            byte code = packet.code();
            if (code == Protocol.PROGRESS) {
                metrics.action("progress");
                deadline = Math.min(System.nanoTime() + timeout * 1_000_000, limit);
                continue;
            }
            if (Modifications.isModification(code)) {
                if (!eom) {
                    throw MilterFailure.badInput(Modifications.label(code) + " in answer to " + stage + " (modifications come at the end of the message)");
                }
                metrics.action(Modifications.label(code));
                modifications.add(code, packet.payload());
                continue;
            }
            metrics.latency(System.nanoTime() - start);
            return verdict(stage, packet);
        }
    }

    private Packet receive(String stage, long deadline, String within) throws MilterFailure {
        try {
            return channel.receive(deadline);
        } catch (MilterFailure e) {
            String what = e.kind() == MilterFailure.Kind.TIMEOUT ? "no answer to " + stage + " " + within : stage + ": " + e.getMessage();
            throw new MilterFailure(e.kind(), what);
        }
    }

    /** A final answer (SMFIR_ACCEPT, CONTINUE, REJECT, TEMPFAIL, DISCARD, REPLYCODE, SKIP) as a filter result. */
    private FilterResult verdict(String stage, Packet packet) throws MilterFailure {
        byte code = packet.code();
        switch (code) {
            case Protocol.CONTINUE -> {
                metrics.action("continue");
                return FilterResult.proceed();
            }
            case Protocol.ACCEPT -> {
                metrics.action("accept");
                return FilterResult.accept();
            }
            case Protocol.REJECT -> {
                metrics.action("reject");
                return Replies.REJECT;
            }
            case Protocol.TEMPFAIL -> {
                metrics.action("tempfail");
                return Replies.TEMPFAIL;
            }
            case Protocol.DISCARD -> {
                metrics.action("discard");
                return FilterResult.discard();
            }
            case Protocol.REPLYCODE -> {
                metrics.action("replycode");
                try {
                    return Replies.replyCode(Modifications.strings(packet.payload(), 0, 1).get(0));
                } catch (IllegalArgumentException e) {
                    throw MilterFailure.badInput("replycode in answer to " + stage + ": " + e.getMessage());
                }
            }
            case Protocol.SKIP -> {
                if (!stage.equals("body") || (protocol & Protocol.SKIP_FLAG) == 0) {
                    throw MilterFailure.badInput("skip in answer to " + stage + (stage.equals("body") ? " without SMFIP_SKIP negotiated" : ""));
                }
                metrics.action("skip");
                return SKIPPED;
            }
            default -> throw MilterFailure.badInput("unknown reply " + describe(code) + " in answer to " + stage);
        }
    }

    private static String describe(byte code) {
        return code > 32 && code < 127 ? "'" + (char) code + "' (0x" + Integer.toHexString(code & 0xff) + ")" : "0x" + Integer.toHexString(code & 0xff);
    }

    /**
     * SMFIC_OPTNEG: Carrier offers its version, every action it carries out and every step it can leave out. The
     * milter must answer a version from 2 on, may ask only for offered actions, and its symbol lists replace the
     * configured macros of their stages (Postfix does the same). Protocol flags it asks for that were not offered are
     * ignored: they name steps Carrier has no use for (SMFIP_RCPT_REJ) or larger chunks it does not send.
     */
    private void negotiate() throws MilterFailure {
        send("optneg", Protocol.OPTNEG, ByteBuffer.allocate(12).putInt(settings.protocolVersion())
                .putInt(Protocol.ACTIONS_OFFERED).putInt(Protocol.PROTOCOL_OFFERED).array());
        Packet reply = receive("option negotiation", System.nanoTime() + settings.commandTimeoutMillis() * 1_000_000,
                "within " + settings.commandTimeoutMillis() + " ms");
        if (reply.code() != Protocol.OPTNEG || reply.payload().length < 12) {
            throw MilterFailure.badInput("option negotiation answered with " + describe(reply.code()) + " (" + reply.payload().length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(reply.payload());
        int version = b.getInt();
        actions = b.getInt();
        protocol = b.getInt() & Protocol.PROTOCOL_OFFERED;
        if (version < Protocol.OLDEST_VERSION) {
            throw MilterFailure.badInput("milter protocol version " + version + " (2 to 6 are spoken)");
        }
        if ((actions & ~Protocol.ACTIONS_OFFERED) != 0) {
            throw MilterFailure.badInput("option negotiation asks for actions 0x" + Integer.toHexString(actions & ~Protocol.ACTIONS_OFFERED) + " Carrier does not offer");
        }
        symbolLists(b);
        negotiated.accept(protocol);
    }

    /** SMFIR_SETSYMLIST entries after the three words: a stage index, then its macro names, NUL-terminated. */
    private void symbolLists(ByteBuffer b) throws MilterFailure {
        while (b.remaining() >= 4) {
            int index = b.getInt();
            MacroStage stage = MacroStage.ofIndex(index);
            ByteArrayOutputStream names = new ByteArrayOutputStream();
            byte c;
            while (b.hasRemaining() && (c = b.get()) != 0) {
                names.write(c);
            }
            if (stage == null) {
                throw MilterFailure.badInput("a symbol list for unknown stage " + index);
            }
            macros.put(stage, List.of(names.toString(StandardCharsets.US_ASCII).strip().split("[\\s,]+")));
        }
        if (b.hasRemaining()) {
            throw MilterFailure.badInput("option negotiation has " + b.remaining() + " stray bytes");
        }
    }

    /** SMFIC_MACRO for the stage: the macros it has values for; nothing when it has none. */
    private void sendMacros(MacroStage stage, MacroValues values) throws MilterFailure {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(stage.command);
        int count = 0;
        for (String macro : macros.getOrDefault(stage, List.of())) {
            String value = macro.isEmpty() ? null : values.value(macro);
            if (value != null) {
                out.writeBytes(strings(MacroValues.wireName(macro), value));
                count++;
            }
        }
        if (count > 0) {
            send("macro", Protocol.MACRO, out.toByteArray());
        }
    }

    private void send(String stage, byte command, byte[] payload) throws MilterFailure {
        if (!stage.equals("macro") && !stage.equals("optneg")) {
            metrics.call(stage);
        }
        try {
            channel.send(command, payload, settings.commandTimeoutMillis());
        } catch (MilterFailure e) {
            throw new MilterFailure(e.kind(), stage + ": " + e.getMessage());
        }
    }

    /**
     * SMFIC_CONNECT: the client's host name, the family ('4' or '6'), the port and the address. Carrier looks up no
     * client name, so the name is Postfix's "unknown".
     */
    private static byte[] connectPayload(SessionInfo session, MacroValues values) {
        InetSocketAddress client = session.clientAddress();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(strings(MacroValues.UNKNOWN_NAME));
        if (client == null || client.getAddress() == null) {
            out.write('U');
            return out.toByteArray();
        }
        out.write(client.getAddress() instanceof Inet6Address ? '6' : '4');
        out.write(client.getPort() >> 8);
        out.write(client.getPort() & 0xff);
        out.writeBytes(strings(values.clientAddress()));
        return out.toByteArray();
    }

    /** MAIL and RCPT: the address in angle brackets, then each ESMTP parameter as {@code KEY=value}, NUL-separated. */
    private static String[] withParameters(String address, Map<String, String> parameters) {
        List<String> args = new ArrayList<>();
        args.add(address);
        parameters.forEach((k, v) -> args.add(v == null || v.isEmpty() ? k : k + "=" + v));
        return args.toArray(String[]::new);
    }

    private static byte[] strings(String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String v : values) {
            out.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    /** A header field's name and value, byte for byte as the message has them. */
    private static byte[] latin1(String name, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(name.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        out.writeBytes(value.getBytes(StandardCharsets.ISO_8859_1));
        out.write(0);
        return out.toByteArray();
    }

    /** The result of a step that may have accepted or discarded: a refusal as it is, else go on. */
    private static FilterResult outcome(FilterResult refused) {
        return refused == null ? FilterResult.proceed() : refused;
    }

    /** A stage after the milter settled the transaction: accepted (go on), discarded (go on until the data), failed. */
    private FilterResult settled() {
        return status == Status.FAILED ? settings.defaultAction().result() : FilterResult.proceed();
    }

    /** One line for the failure, and the default action from now on. */
    private FilterResult fail(String logId, MilterFailure e) {
        status = Status.FAILED;
        metrics.failure(e.kind(), settings.defaultAction().label());
        LOG.warn("{}: milter {}: {}; defaultAction {}", logId, settings.name(), e.getMessage(), settings.defaultAction());
        closeChannel();
        return settings.defaultAction().result();
    }

    private FilterResult log(String logId, FilterResult result, List<String> kinds) {
        return log(logId, result, kinds, null);
    }

    /** One line per decision of the milter: {@code ID: milter rspamd: reject 554 5.7.1 ...}. */
    private FilterResult log(String logId, FilterResult result, List<String> kinds, String quarantine) {
        String action = switch (result.action()) {
            case CONTINUE, ACCEPT -> "accept";
            case HOLD -> "quarantine (hold)" + (quarantine == null ? "" : ": " + quarantine);
            default -> result.action().name().toLowerCase(java.util.Locale.ROOT) + (result.reply() == null ? "" : " " + result.reply());
        };
        LOG.info("{}: milter {}: {}{}", logId, settings.name(), org.carrier.api.text.Printable.text(action),
                kinds.isEmpty() ? "" : "; " + String.join(", ", kinds));
        return result;
    }

    /** Ends the conversation: SMFIC_ABORT if a message was begun and not finished, then SMFIC_QUIT. */
    @Override
    public void close() {
        if (channel == null) {
            return;
        }
        try {
            if (messageOpen) {
                channel.send(Protocol.ABORT, new byte[0], settings.commandTimeoutMillis());
            }
            channel.send(Protocol.QUIT, new byte[0], settings.commandTimeoutMillis());
        } catch (MilterFailure e) {
            // the milter went away first; nothing is lost by not saying goodbye
        }
        closeChannel();
    }

    private void closeChannel() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }
}
