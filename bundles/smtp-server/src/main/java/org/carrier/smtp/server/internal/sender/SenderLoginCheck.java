package org.carrier.smtp.server.internal.sender;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.carrier.api.message.AddressList;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.text.Printable;
import org.carrier.api.table.WatchedTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sender-login rule of one listener (Postfix's {@code reject_sender_login_mismatch}): an authenticated user may use
 * as envelope sender (RFC 5321 §4.1.1.2) and as author, the From field and the Sender field if present (RFC 5322
 * §3.6.2), only the addresses its line of the {@link SenderLogins} table gives it. Enforced at MAIL and at the end of
 * the message when {@code enforce} is set; the ownership of the author addresses is answered either way, for filters
 * that sign mail in the author's name. Sessions that did not authenticate are not checked here (a trusted network's
 * clients are trusted with any sender).
 */
public final class SenderLoginCheck {
    private static final Logger LOG = LoggerFactory.getLogger(SenderLoginCheck.class);
    /** RFC 5321 §4.2.3: 553, mailbox name not allowed; RFC 3463 §3.8: 5.7.1, delivery not authorized. */
    private static final String NOT_OWNED = "sender not owned by user";

    private final WatchedTable<SenderLogins> table;
    private final boolean enforce;

    /** @param file the table, or null for none (every user has the default: its login, when that is an address) */
    public SenderLoginCheck(Path file, boolean enforce) {
        this(file, enforce, WatchedTable.DEFAULT_CHECK_INTERVAL, Clock.systemUTC());
    }

    public SenderLoginCheck(Path file, boolean enforce, Duration checkInterval, Clock clock) {
        this.table = file == null ? null
                : new WatchedTable<>(file, "sender logins", SenderLogins.NONE, SenderLogins::parse, SenderLogins::size, checkInterval, clock);
        this.enforce = enforce;
    }

    /** Whether mismatches are refused (otherwise only reported to filters). */
    public boolean enforced() {
        return enforce;
    }

    private SenderLogins logins() {
        return table == null ? SenderLogins.NONE : table.current();
    }

    /** At MAIL: the refusal of an envelope sender the authenticated user may not use, logged; empty otherwise. */
    public Optional<SmtpReply> refuseSender(SessionInfo session, MailAddress sender) {
        String user = session.authenticatedUser();
        if (!enforce || user == null || logins().mayUse(user, sender)) {
            return Optional.empty();
        }
        SmtpReply reply = new SmtpReply(553, "5.7.1", "<" + sender + ">: " + NOT_OWNED);
        LOG.info("{}: reject: MAIL from [{}]: {}; from=<{}> user={}", session.sessionId(), clientIp(session),
                Printable.text(reply.toString()), Printable.text(sender.toString()), Printable.text(user));
        return Optional.of(reply);
    }

    /**
     * At the end of the message: the refusal of an author address the authenticated user may not use, logged with
     * {@code id} (the queue ID); empty otherwise. A message without a From field is not refused here (scripts leave
     * it out; RFC 6409 §8 lets the MSA deal with it), but no user owns it. The header is read only when needed.
     */
    public Optional<SmtpReply> refuseAuthor(String id, SessionInfo session, Supplier<List<HeaderField>> headers) {
        String user = session.authenticatedUser();
        if (!enforce || user == null) {
            return Optional.empty();
        }
        Authors authors;
        try {
            authors = Authors.of(headers.get());
        } catch (UncheckedIOException e) {
            LOG.error("{}: cannot read the header to check its sender: {}", id, e.getCause().toString());
            return Optional.of(new SmtpReply(451, "4.3.0", "Cannot read the message; try again later"));
        }
        Optional<String> foreign = authors.all().stream().filter(a -> !owns(logins(), user, a)).findFirst();
        if (foreign.isEmpty()) {
            return Optional.empty();
        }
        SmtpReply reply = new SmtpReply(553, "5.7.1", "<" + foreign.get() + ">: " + NOT_OWNED);
        // the author comes from the client's From field: escaped like all client text in a log line
        LOG.info("{}: reject: DATA from [{}]: {}; author=<{}> user={}", id, clientIp(session), Printable.text(reply.toString()),
                Printable.text(foreign.get()), Printable.text(user));
        return Optional.of(reply);
    }

    /**
     * Whether the authenticated user owns the message's authors: there is a From address, and the user may use it and
     * every other From and Sender address. False without a user.
     */
    public boolean ownsAuthor(SessionInfo session, List<HeaderField> headers) {
        String user = session.authenticatedUser();
        Authors authors = Authors.of(headers);
        SenderLogins logins = logins();
        return user != null && !authors.from().isEmpty() && authors.all().stream().allMatch(a -> owns(logins, user, a));
    }

    private static boolean owns(SenderLogins logins, String user, String address) {
        try {
            return logins.mayUse(user, MailAddress.parse(address));
        } catch (IllegalArgumentException notAnAddress) {
            return false;
        }
    }

    /**
     * The author addresses of a message: every address of every From field (a mailbox-list, RFC 5322 §3.6.2; a second
     * From field counts too) and of the Sender field.
     */
    record Authors(List<String> from, List<String> sender) {
        static Authors of(List<HeaderField> headers) {
            List<String> from = new ArrayList<>();
            List<String> sender = new ArrayList<>();
            for (HeaderField field : headers) {
                if (field.name().equalsIgnoreCase("From")) {
                    from.addAll(AddressList.addresses(field.value()));
                } else if (field.name().equalsIgnoreCase("Sender")) {
                    sender.addAll(AddressList.addresses(field.value()));
                }
            }
            return new Authors(from, sender);
        }

        List<String> all() {
            List<String> all = new ArrayList<>(from);
            all.addAll(sender);
            return all;
        }
    }

    private static String clientIp(SessionInfo session) {
        return session.clientAddress().getAddress().getHostAddress();
    }
}
