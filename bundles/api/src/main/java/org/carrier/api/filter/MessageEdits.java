package org.carrier.api.filter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.text.Printable;

/**
 * Changes a {@link SmtpFilter#data DATA} filter asks for in the message and its envelope: the modification actions of
 * the milter protocol (SMFIR_ADDHEADER, SMFIR_INSHEADER, SMFIR_CHGHEADER, SMFIR_REPLBODY, SMFIR_ADDRCPT /
 * SMFIR_ADDRCPT_PAR, SMFIR_DELRCPT, SMFIR_CHGFROM), given with {@link FilterResult#withEdits}. Immutable; made with
 * {@link #builder()}.
 * <p>
 * The SMTP server applies them to the queued copy before it answers 250, so that what is queued is what the filters
 * decided; the queue ID stays the one the filters saw. Edits count only on a result of the DATA stage whose action
 * lets the message in (continue, accept, hold); the server ignores them, with a log line, at the other stages.
 * The edits of several filters apply in chain order, each filter's in the order it gave them. Every DATA filter sees
 * the message as received ({@link MessageView}): the edits of an earlier filter of the same stage are applied only
 * once the whole stage has run, and header positions and occurrences count the fields as they are when that filter's
 * edits are applied.
 * <p>
 * Header field names are checked when an edit is made (RFC 5322 §3.6.8: printable ASCII except colon), and values
 * must not end the field early: a line break is allowed only as folding, followed by a space or tab (RFC 5322
 * §2.2.3); a bare LF or CR is taken as CRLF. Anything else throws {@link IllegalArgumentException}, so a filter
 * relaying a peer's edits (a milter) can refuse them as a whole.
 */
public final class MessageEdits {
    private static final MessageEdits NONE = new MessageEdits(List.of(), null, List.of(), null);

    /** What a header edit does. */
    public enum HeaderOp {
        /** Appends a field at the end of the header (SMFIR_ADDHEADER). */
        ADD,
        /** Inserts a field before the field at {@link HeaderEdit#position()}, 0 = before the first (SMFIR_INSHEADER). */
        INSERT,
        /**
         * Replaces the value of the {@link HeaderEdit#position()}th field of that name, 1-based, names compared
         * case-insensitively (SMFIR_CHGHEADER); with no such occurrence, the field is appended, as libmilter's
         * smfi_chgheader does.
         */
        CHANGE,
        /** Removes the {@link HeaderEdit#position()}th field of that name; nothing when there is no such occurrence. */
        DELETE
    }

    /**
     * One header edit.
     *
     * @param op       what it does
     * @param name     the field name
     * @param position for INSERT the index (0 = first), for CHANGE and DELETE the occurrence (1 = first), 0 for ADD
     * @param value    the field value, CRLF-folded, without the leading space; {@code null} for DELETE only
     */
    public record HeaderEdit(HeaderOp op, String name, int position, String value) {
        public HeaderEdit {
            Objects.requireNonNull(op, "op");
            name = validName(name);
            if (op == HeaderOp.DELETE) {
                value = null;
            } else {
                value = validValue(name, value);
            }
            if (op == HeaderOp.INSERT ? position < 0 : op != HeaderOp.ADD && position < 1) {
                throw new IllegalArgumentException("header " + op + " of " + name + ": invalid position " + position);
            }
            if (op == HeaderOp.ADD) {
                position = 0;
            }
        }
    }

    /** What a recipient edit does. */
    public enum RecipientOp {
        /** Adds the recipient with its ESMTP parameters (SMFIR_ADDRCPT, SMFIR_ADDRCPT_PAR). */
        ADD,
        /** Removes every envelope recipient with that address (SMFIR_DELRCPT). */
        DELETE
    }

    /**
     * One recipient edit; recipient edits apply in order, so a recipient deleted and then added is there in the end.
     *
     * @param op        add or delete
     * @param recipient the address, and for ADD its RCPT parameters (names upper case)
     */
    public record RecipientEdit(RecipientOp op, Recipient recipient) {
        public RecipientEdit {
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(recipient, "recipient");
        }
    }

    /**
     * A new envelope sender (SMFIR_CHGFROM).
     *
     * @param sender     the new reverse-path, possibly the null sender
     * @param parameters MAIL parameters to set (names upper case), added to those of MAIL FROM, replacing those of the
     *                   same name; the others (SIZE, BODY, SMTPUTF8, REQUIRETLS, ...) stay as the client gave them
     */
    public record SenderChange(MailAddress sender, Map<String, String> parameters) {
        public SenderChange {
            Objects.requireNonNull(sender, "sender");
            parameters = upperCaseNames(parameters);
        }
    }

    private final List<HeaderEdit> headerEdits;
    private final Path body;
    private final List<RecipientEdit> recipientEdits;
    private final SenderChange senderChange;

    private MessageEdits(List<HeaderEdit> headerEdits, Path body, List<RecipientEdit> recipientEdits, SenderChange senderChange) {
        this.headerEdits = List.copyOf(headerEdits);
        this.body = body;
        this.recipientEdits = List.copyOf(recipientEdits);
        this.senderChange = senderChange;
    }

    /** No edits: what {@link FilterResult#edits()} gives unless a filter asked for some. */
    public static MessageEdits none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The header edits, in the order given. */
    public List<HeaderEdit> headerEdits() {
        return headerEdits;
    }

    /**
     * The file holding the new body, if the body is replaced (SMFIR_REPLBODY): everything after the empty line that
     * ends the header, in RFC 5322 form with CRLF line endings (a bare LF or CR is taken as CRLF), as it is to be
     * queued. It is never held in memory.
     * <p>
     * The filter writes and closes it before returning its result, in a place only the server's user can read
     * ({@link java.nio.file.Files#createTempFile} makes it 0600: it is mail), and hands it over with the result: from
     * then on the server owns it and deletes it once the message is queued or refused, also when the edits are not
     * applied (a later filter rejects, another stage, the session ends). A result that never reaches the server (a
     * filter past its time budget) leaves the file to the filter.
     */
    public Optional<Path> replacementBody() {
        return Optional.ofNullable(body);
    }

    /** The recipient edits, in the order given. */
    public List<RecipientEdit> recipientEdits() {
        return recipientEdits;
    }

    /** The new envelope sender, if the filter changes it. */
    public Optional<SenderChange> senderChange() {
        return Optional.ofNullable(senderChange);
    }

    /** Whether there is nothing to change. */
    public boolean isEmpty() {
        return headerEdits.isEmpty() && body == null && recipientEdits.isEmpty() && senderChange == null;
    }

    /**
     * What is changed, by count and kind and never by content (it goes into log lines): e.g. {@code 2 header changes,
     * body replaced, +1 recipient}; {@code no edits} when empty.
     */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (!headerEdits.isEmpty()) {
            parts.add(headerEdits.size() + (headerEdits.size() == 1 ? " header change" : " header changes"));
        }
        if (body != null) {
            parts.add("body replaced");
        }
        long added = recipientEdits.stream().filter(e -> e.op() == RecipientOp.ADD).count();
        long deleted = recipientEdits.size() - added;
        if (added > 0) {
            parts.add("+" + added + (added == 1 ? " recipient" : " recipients"));
        }
        if (deleted > 0) {
            parts.add("-" + deleted + (deleted == 1 ? " recipient" : " recipients"));
        }
        if (senderChange != null) {
            parts.add("sender changed");
        }
        return parts.isEmpty() ? "no edits" : String.join(", ", parts);
    }

    /** Collects edits in order; not thread-safe. */
    public static final class Builder {
        private final List<HeaderEdit> headerEdits = new ArrayList<>();
        private final List<RecipientEdit> recipientEdits = new ArrayList<>();
        private Path body;
        private SenderChange senderChange;

        private Builder() {
        }

        /** SMFIR_ADDHEADER: appends {@code name: value} at the end of the header. */
        public Builder addHeader(String name, String value) {
            headerEdits.add(new HeaderEdit(HeaderOp.ADD, name, 0, value));
            return this;
        }

        /** SMFIR_INSHEADER: inserts {@code name: value} before the field at {@code index} (0 = before the first field). */
        public Builder insertHeader(int index, String name, String value) {
            headerEdits.add(new HeaderEdit(HeaderOp.INSERT, name, index, value));
            return this;
        }

        /**
         * SMFIR_CHGHEADER: sets the value of the {@code occurrence}th field named {@code name} (1-based,
         * case-insensitive); an empty or {@code null} value deletes it, as libmilter's smfi_chgheader does.
         */
        public Builder changeHeader(String name, int occurrence, String value) {
            if (value == null || value.isEmpty()) {
                return deleteHeader(name, occurrence);
            }
            headerEdits.add(new HeaderEdit(HeaderOp.CHANGE, name, occurrence, value));
            return this;
        }

        /** Removes the {@code occurrence}th field named {@code name} (1-based, case-insensitive). */
        public Builder deleteHeader(String name, int occurrence) {
            headerEdits.add(new HeaderEdit(HeaderOp.DELETE, name, occurrence, null));
            return this;
        }

        /**
         * SMFIR_REPLBODY: replaces the body with the content of {@code file}, which the server then owns and deletes
         * (see {@link MessageEdits#replacementBody()}).
         *
         * @throws IllegalStateException if the body was already replaced in this builder
         */
        public Builder replaceBody(Path file) {
            if (body != null) {
                throw new IllegalStateException("the body is already replaced by " + body.getFileName());
            }
            body = Objects.requireNonNull(file, "file");
            return this;
        }

        /** SMFIR_ADDRCPT / SMFIR_ADDRCPT_PAR: adds a recipient with its RCPT parameters (none: an empty map). */
        public Builder addRecipient(MailAddress address, Map<String, String> esmtpParams) {
            if (address.isNullSender()) {
                throw new IllegalArgumentException("the null reverse-path <> is not a recipient");
            }
            recipientEdits.add(new RecipientEdit(RecipientOp.ADD, new Recipient(address, upperCaseNames(esmtpParams))));
            return this;
        }

        /** SMFIR_DELRCPT: removes every envelope recipient with this address. */
        public Builder deleteRecipient(MailAddress address) {
            recipientEdits.add(new RecipientEdit(RecipientOp.DELETE, Recipient.of(address)));
            return this;
        }

        /** SMFIR_CHGFROM: sets the envelope sender, and MAIL parameters over those the client gave (none: an empty map). */
        public Builder changeSender(MailAddress sender, Map<String, String> esmtpParams) {
            senderChange = new SenderChange(sender, esmtpParams);
            return this;
        }

        public MessageEdits build() {
            MessageEdits edits = new MessageEdits(headerEdits, body, recipientEdits, senderChange);
            return edits.isEmpty() ? NONE : edits;
        }
    }

    /** RFC 5322 §3.6.8, the rule {@link HeaderField} keeps; the message makes the name printable for a log line. */
    private static String validName(String name) {
        Objects.requireNonNull(name, "header field name");
        try {
            return new HeaderField(name, "").name();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid header field name: " + Printable.text(name));
        }
    }

    /** The value with its line breaks as CRLF, refused where a break is not folding (RFC 5322 §2.2.3). */
    private static String validValue(String name, String value) {
        Objects.requireNonNull(value, "value of " + name);
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                if (c == '\r' && i + 1 < value.length() && value.charAt(i + 1) == '\n') {
                    i++;
                }
                boolean folds = i + 1 < value.length() && (value.charAt(i + 1) == ' ' || value.charAt(i + 1) == '\t');
                if (!folds) {
                    throw new IllegalArgumentException("value of header field " + name + " has a line break that is not folding");
                }
                out.append("\r\n");
            } else if (c == 0) {
                throw new IllegalArgumentException("value of header field " + name + " has a NUL character");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Map<String, String> upperCaseNames(Map<String, String> parameters) {
        Map<String, String> upper = new LinkedHashMap<>();
        if (parameters != null) {
            parameters.forEach((k, v) -> upper.put(k.toUpperCase(Locale.ROOT), v == null ? "" : v));
        }
        return Map.copyOf(upper);
    }
}
