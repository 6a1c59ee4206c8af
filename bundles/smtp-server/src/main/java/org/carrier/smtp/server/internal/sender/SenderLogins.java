package org.carrier.smtp.server.internal.sender;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.carrier.api.message.MailAddress;
import org.carrier.api.table.BadLine;
import org.carrier.api.table.TableLine;

/**
 * Which sender addresses each authenticated user may use (Postfix's {@code smtpd_sender_login_maps}, keyed by user
 * instead of by address): one line per user, a comma-separated list of addresses, whole domains ({@code @example.org})
 * and {@code <>} for the null sender, for example
 *
 * <pre>
 * alice = alice@example.org, alice.smith@example.org, @example.net
 * mailer = &lt;&gt;, noreply@example.org
 * </pre>
 *
 * A user without a line may use exactly its login when that is an address, else nothing; a line replaces that default.
 * Addresses compare case-insensitively, as Postfix's tables do (RFC 5321 §2.4 leaves local parts to the receiving
 * host, and for ownership two spellings of one mailbox are one sender); a domain covers that domain, not its
 * subdomains. Immutable.
 */
public final class SenderLogins {
    public static final SenderLogins NONE = new SenderLogins(Map.of());
    private static final String NULL_SENDER = "<>";

    /** What one user may use: addresses and domains, in lower case, and whether the null sender. */
    private record Owned(Set<String> addresses, Set<String> domains, boolean nullSender) {
    }

    private final Map<String, Owned> users;

    private SenderLogins(Map<String, Owned> users) {
        this.users = users;
    }

    /** The table of a file's lines; a line with something that is no address, domain or {@code <>} is refused. */
    public static SenderLogins parse(List<TableLine> lines) throws BadLine {
        Map<String, Owned> users = new HashMap<>();
        for (TableLine line : lines) {
            users.put(line.key(), owned(line));
        }
        return new SenderLogins(Map.copyOf(users));
    }

    private static Owned owned(TableLine line) throws BadLine {
        Set<String> addresses = new HashSet<>();
        Set<String> domains = new HashSet<>();
        boolean nullSender = false;
        for (String item : line.value().split(",")) {
            String entry = item.strip().toLowerCase(Locale.ROOT);
            if (entry.equals(NULL_SENDER)) {
                nullSender = true;
            } else if (entry.startsWith("@") && isDomain(entry.substring(1))) {
                domains.add(entry.substring(1));
            } else if (isAddress(entry)) {
                addresses.add(entry);
            } else if (!entry.isEmpty()) {
                throw new BadLine(line.number(), "user " + line.key() + ": \"" + item.strip()
                        + "\" is not an address, @domain or <>");
            }
        }
        if (addresses.isEmpty() && domains.isEmpty() && !nullSender) {
            throw new BadLine(line.number(), "no addresses for user " + line.key()
                    + " (expected: user = address, @domain, <>, ...)");
        }
        return new Owned(Set.copyOf(addresses), Set.copyOf(domains), nullSender);
    }

    private static boolean isDomain(String name) {
        return !name.isEmpty() && !name.contains("@") && name.chars().noneMatch(c -> c <= ' ' || c == '<' || c == '>');
    }

    private static boolean isAddress(String text) {
        int at = text.lastIndexOf('@');
        return at > 0 && isDomain(text.substring(at + 1)) && text.chars().noneMatch(c -> c < ' ' || c == '<' || c == '>');
    }

    /** Whether {@code user} may use {@code address} as envelope sender or author. */
    public boolean mayUse(String user, MailAddress address) {
        Owned owned = users.get(user);
        if (owned == null) {
            // The default a mail administrator expects: a login that is an address owns that address, and only it.
            return !address.isNullSender() && isAddress(user) && user.equalsIgnoreCase(address.toString());
        }
        if (address.isNullSender()) {
            return owned.nullSender();
        }
        return owned.addresses().contains(address.toString().toLowerCase(Locale.ROOT)) || owned.domains().contains(address.domain());
    }

    /** How many users have a line. */
    public int size() {
        return users.size();
    }
}
