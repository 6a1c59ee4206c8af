package org.carrier.filter.milter.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.MessageEdits;
import org.carrier.api.message.MailAddress;

/**
 * The modifications a milter sends at the end of a message, before its final answer (libmilter allows them only
 * there): each one checked as it arrives, and checked against the actions the milter asked for in negotiation. A new
 * body (SMFIR_REPLBODY chunks) goes to a file, never wholly into memory, and may not grow past the limit.
 */
final class Modifications implements AutoCloseable {
    private final int negotiatedActions;
    private final long maxBody;
    private final MessageEdits.Builder edits = MessageEdits.builder();
    private final List<String> kinds = new ArrayList<>();
    private Path body;
    private OutputStream bodyOut;
    private long bodySize;
    private String quarantine;

    Modifications(int negotiatedActions, long maxBody) {
        this.negotiatedActions = negotiatedActions;
        this.maxBody = maxBody;
    }

    /** Whether {@code code} is a modification reply. */
    static boolean isModification(byte code) {
        return switch (code) {
            case Protocol.ADDHEADER, Protocol.INSHEADER, Protocol.CHGHEADER, Protocol.REPLBODY, Protocol.ADDRCPT,
                 Protocol.ADDRCPT_PAR, Protocol.DELRCPT, Protocol.CHGFROM, Protocol.QUARANTINE -> true;
            default -> false;
        };
    }

    /** The metric label of a modification reply. */
    static String label(byte code) {
        return switch (code) {
            case Protocol.ADDHEADER -> "addheader";
            case Protocol.INSHEADER -> "insheader";
            case Protocol.CHGHEADER -> "chgheader";
            case Protocol.REPLBODY -> "replbody";
            case Protocol.ADDRCPT -> "addrcpt";
            case Protocol.ADDRCPT_PAR -> "addrcpt_par";
            case Protocol.DELRCPT -> "delrcpt";
            case Protocol.CHGFROM -> "chgfrom";
            case Protocol.QUARANTINE -> "quarantine";
            default -> "unknown";
        };
    }

    /** Takes one modification reply. */
    void add(byte code, byte[] payload) throws MilterFailure {
        requireAction(code);
        try {
            switch (code) {
                case Protocol.ADDHEADER -> {
                    List<String> s = strings(payload, 0, 2);
                    edits.addHeader(s.get(0), value(s.get(1)));
                }
                case Protocol.INSHEADER -> {
                    List<String> s = strings(payload, 4, 2);
                    edits.insertHeader(index(payload), s.get(0), value(s.get(1)));
                }
                case Protocol.CHGHEADER -> {
                    List<String> s = strings(payload, 4, 2);
                    // libmilter: index 0 is taken as 1 (the first occurrence), an empty value deletes
                    edits.changeHeader(s.get(0), Math.max(1, index(payload)), value(s.get(1)));
                }
                case Protocol.REPLBODY -> appendBody(payload);
                case Protocol.ADDRCPT -> edits.addRecipient(address(strings(payload, 0, 1).get(0)), Map.of());
                case Protocol.ADDRCPT_PAR -> {
                    List<String> s = strings(payload, 0, 1);
                    edits.addRecipient(address(s.get(0)), s.size() > 1 ? parameters(s.get(1)) : Map.of());
                }
                case Protocol.DELRCPT -> edits.deleteRecipient(address(strings(payload, 0, 1).get(0)));
                case Protocol.CHGFROM -> {
                    List<String> s = strings(payload, 0, 1);
                    String sender = s.get(0);
                    edits.changeSender(sender.equals("<>") || sender.isEmpty() ? MailAddress.nullSender() : address(sender),
                            s.size() > 1 ? parameters(s.get(1)) : Map.of());
                }
                case Protocol.QUARANTINE -> quarantine = strings(payload, 0, 1).get(0);
                default -> throw MilterFailure.badInput("unknown modification");
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw MilterFailure.badInput(label(code) + ": " + e.getMessage());
        }
        kinds.add(label(code));
    }

    /** libmilter's rule: each modification needs the action the milter asked for (smfi_insheader needs SMFIF_ADDHDRS). */
    private void requireAction(byte code) throws MilterFailure {
        int needed = switch (code) {
            case Protocol.ADDHEADER, Protocol.INSHEADER -> Protocol.ADDHDRS;
            case Protocol.CHGHEADER -> Protocol.CHGHDRS;
            case Protocol.REPLBODY -> Protocol.CHGBODY;
            case Protocol.ADDRCPT -> Protocol.ADDRCPT_ACTION;
            case Protocol.ADDRCPT_PAR -> Protocol.ADDRCPT_PAR_ACTION;
            case Protocol.DELRCPT -> Protocol.DELRCPT_ACTION;
            case Protocol.CHGFROM -> Protocol.CHGFROM_ACTION;
            case Protocol.QUARANTINE -> Protocol.QUARANTINE_ACTION;
            default -> 0;
        };
        if ((negotiatedActions & needed) == 0) {
            throw MilterFailure.badInput(label(code) + " without having asked for it in option negotiation");
        }
    }

    private void appendBody(byte[] chunk) throws MilterFailure {
        bodySize += chunk.length;
        if (bodySize > maxBody) {
            throw MilterFailure.badInput("replbody: a new body larger than " + maxBody + " bytes (maxBodyReplacement, or the message size limit if less)");
        }
        try {
            if (body == null) {
                body = Files.createTempFile("carrier-milter-", ".body");
                bodyOut = Files.newOutputStream(body);
                edits.replaceBody(body);
            }
            bodyOut.write(chunk);
        } catch (IOException e) {
            throw new MilterFailure(MilterFailure.Kind.BAD_INPUT, "replbody: cannot store the new body: " + e.getMessage());
        }
    }

    /** The milter's acceptance with these modifications: its edits, on hold when it quarantined (SMFIR_QUARANTINE). */
    FilterResult result() throws MilterFailure {
        closeBody();
        FilterResult result = quarantine != null ? FilterResult.hold() : FilterResult.proceed();
        MessageEdits built = edits.build();
        body = null; // handed over with the result: the server deletes it (MessageEdits#replacementBody)
        return built.isEmpty() ? result : result.withEdits(built);
    }

    /** The quarantine reason, or {@code null}. */
    String quarantine() {
        return quarantine;
    }

    /** What was asked, by kind, for the log line: {@code addheader, addheader, replbody}. */
    List<String> kinds() {
        return kinds;
    }

    private void closeBody() throws MilterFailure {
        if (bodyOut != null) {
            try {
                bodyOut.close();
            } catch (IOException e) {
                throw new MilterFailure(MilterFailure.Kind.BAD_INPUT, "replbody: cannot store the new body: " + e.getMessage());
            } finally {
                bodyOut = null;
            }
        }
    }

    /** Deletes a new body that was not handed over (the milter refused the message, or failed). */
    @Override
    public void close() {
        try {
            closeBody();
        } catch (MilterFailure e) {
            // deleted below all the same
        }
        if (body != null) {
            try {
                Files.deleteIfExists(body);
            } catch (IOException e) {
                // a temporary file; nothing else to do
            }
            body = null;
        }
    }

    /** A milter's header value: the leading space libmilter callers often keep is dropped (MessageEdits makes LF folding CRLF). */
    private static String value(String raw) {
        return raw.startsWith(" ") ? raw.substring(1) : raw;
    }

    private static int index(byte[] payload) throws MilterFailure {
        if (payload.length < 4) {
            throw MilterFailure.badInput("a header change without its index");
        }
        return ByteBuffer.wrap(payload).getInt();
    }

    /** {@code a@b} or {@code <a@b>}. */
    private static MailAddress address(String text) {
        String bare = text.startsWith("<") && text.endsWith(">") ? text.substring(1, text.length() - 1) : text;
        return MailAddress.parse(bare);
    }

    /** ESMTP arguments as SMFIR_ADDRCPT_PAR and SMFIR_CHGFROM carry them: {@code NOTIFY=NEVER ORCPT=...}. */
    private static Map<String, String> parameters(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String word : text.strip().split("\\s+")) {
            if (!word.isEmpty()) {
                int eq = word.indexOf('=');
                out.put(eq < 0 ? word : word.substring(0, eq), eq < 0 ? "" : word.substring(eq + 1));
            }
        }
        return out;
    }

    /**
     * At least {@code count} NUL-terminated strings from {@code offset} (more are returned when present).
     *
     * @throws MilterFailure when a string is not terminated or too few are there
     */
    static List<String> strings(byte[] payload, int offset, int count) throws MilterFailure {
        List<String> out = new ArrayList<>();
        int start = offset;
        for (int i = offset; i < payload.length; i++) {
            if (payload[i] == 0) {
                out.add(new String(payload, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (out.size() < count || start != payload.length) {
            throw MilterFailure.badInput("a reply whose strings are not NUL-terminated");
        }
        return out;
    }
}
