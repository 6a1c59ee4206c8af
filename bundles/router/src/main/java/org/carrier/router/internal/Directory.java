package org.carrier.router.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.route.Router;

/**
 * Who exists at our domains and where their mail goes: local domains (every listed user, or any local part, has
 * a Maildir of that name), virtual domains (only the addresses in the tables), aliases, virtual mailboxes,
 * catch-alls and plus-addressing. Immutable: the router swaps in a new one when a setting or a table changes.
 */
final class Directory {
    /** Alias nesting deeper than this is treated as a loop (sendmail and Postfix stop at similar depths). */
    static final int MAX_DEPTH = 20;
    private static final String ORCPT = "ORCPT";

    private final List<String> localDomains;
    private final Set<String> virtualDomains;
    private final Set<String> localUsers;
    private final String delimiter;
    private final AddressTables tables;

    Directory(List<String> localDomains, Set<String> virtualDomains, Set<String> localUsers, String delimiter,
              AddressTables tables) {
        this.localDomains = localDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).distinct().toList();
        this.virtualDomains = lowerCase(virtualDomains);
        this.localUsers = lowerCase(localUsers);
        this.delimiter = delimiter == null ? "" : delimiter;
        this.tables = tables;
    }

    private static Set<String> lowerCase(Set<String> names) {
        return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    Directory withTables(AddressTables newTables) {
        return new Directory(localDomains, virtualDomains, localUsers, delimiter, newTables);
    }

    /** Whether {@code domain} is one of ours, so that its recipients must exist here. */
    boolean isOurs(String domain) {
        return localDomains.contains(domain) || virtualDomains.contains(domain);
    }

    /** The first local domain, where bare local parts belong; empty without local domains. */
    Optional<String> primaryLocalDomain() {
        return localDomains.isEmpty() ? Optional.empty() : Optional.of(localDomains.get(0));
    }

    boolean isLocal(String domain) {
        return localDomains.contains(domain);
    }

    /**
     * Whether mail for {@code address} (at one of our domains) reaches someone: it is a mailbox or a local user, or
     * an alias or catch-all at least one of whose final targets is (or is remote). An alias whose targets are all
     * missing is refused at RCPT like an unknown user, rather than accepted and bounced at delivery.
     */
    boolean exists(MailAddress address) {
        return expand(new Recipient(address, Map.of())).stream().anyMatch(r -> reaches(r.address()));
    }

    private boolean reaches(MailAddress finalRecipient) {
        return !isOurs(finalRecipient.domain()) || mailbox(finalRecipient) != null;
    }

    /**
     * The aliases (and catch-alls) naming a target at our domains that reaches no one, with those targets: worth a
     * warning at start-up and whenever the tables or the users change. In key order.
     */
    Map<String, List<String>> aliasesWithMissingTargets() {
        Map<String, List<String>> missing = new TreeMap<>();
        tables.aliases().forEach((key, targets) -> {
            String domain = aliasDomain(key);
            for (String target : targets) {
                if (domain == null && target.indexOf('@') < 0) {
                    continue; // a bare alias with a bare target, and no local domain to put it in
                }
                MailAddress address = target(target, domain);
                if (isOurs(address.domain()) && !exists(address)) {
                    missing.computeIfAbsent(key, k -> new ArrayList<>()).add(target);
                }
            }
        });
        return missing;
    }

    /** Whether one of the targets of the alias {@code key} is remote or exists here. */
    boolean aliasReachesSomeone(String key) {
        String domain = aliasDomain(key);
        return tables.aliases().getOrDefault(key, List.of()).stream()
                .filter(target -> domain != null || target.indexOf('@') >= 0)
                .map(target -> target(target, domain))
                .anyMatch(address -> !isOurs(address.domain()) || exists(address));
    }

    /** The domain a bare target of the alias {@code key} falls back to: the key's own, or the first local domain. */
    private String aliasDomain(String key) {
        int at = key.lastIndexOf('@');
        if (at >= 0) {
            return key.substring(at + 1).toLowerCase(Locale.ROOT);
        }
        return localDomains.isEmpty() ? null : localDomains.get(0);
    }

    /**
     * The final recipients of {@code recipient}: aliases expanded (nested, loop-safe), virtual addresses given their
     * mailbox in the {@link Router#MAILBOX_PARAMETER} parameter. Unknown addresses stay as they are (the router
     * refuses them). A mailbox parameter the sender supplied is never kept: only the tables may set it.
     */
    List<Recipient> expand(Recipient recipient) {
        return expand(recipient, null);
    }

    /**
     * As {@link #expand(Recipient)}, and an SRS address at our domains whose hash and age {@code srs} accepts becomes
     * the address it stands for (a bounce to a sender whose mail we forwarded goes back to that sender); one it
     * refuses stays as it is, for the router to refuse. {@code srs} {@code null}: SRS is off.
     */
    List<Recipient> expand(Recipient recipient, SrsCodec srs) {
        Map<String, String> parameters = new HashMap<>(recipient.parameters());
        parameters.remove(Router.MAILBOX_PARAMETER);
        parameters.remove(Router.FORWARDED_PARAMETER);
        Map<MailAddress, Recipient> results = new LinkedHashMap<>();
        walk(recipient.address(), parameters, new HashSet<>(), 0, results, srs);
        if (results.isEmpty()) {
            return List.of(new Recipient(recipient.address(), parameters));
        }
        return results.values().stream().map(r -> withOriginal(r, recipient.address())).toList();
    }

    /**
     * A recipient that replaced the one the sender wrote (an alias's target, the sender behind an SRS address) is
     * forwarded mail: it is marked with the address the sender wrote ({@link Router#FORWARDED_PARAMETER}), for the
     * outbound stage's SRS and ARC; and, RFC 3461 §4.2, carries the original as ORCPT (unless the sender gave one), so
     * that delivery status notifications name what the sender wrote. A virtual mailbox or plus-address keeps its address
     * and gets neither.
     */
    private static Recipient withOriginal(Recipient expanded, MailAddress original) {
        if (expanded.address().equals(original)) {
            return expanded;
        }
        Map<String, String> parameters = new HashMap<>(expanded.parameters());
        parameters.put(Router.FORWARDED_PARAMETER, original.toString());
        parameters.putIfAbsent(ORCPT, "rfc822;" + xtext(original.toString()));
        return new Recipient(expanded.address(), parameters);
    }

    /** RFC 3461 §4: xtext, with "+", "=" and characters outside "!".."~" as "+HH". */
    static String xtext(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < '!' || c > '~' || c == '+' || c == '=') {
                sb.append('+').append(String.format("%02X", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private void walk(MailAddress address, Map<String, String> parameters, Set<MailAddress> path, int depth,
                      Map<MailAddress, Recipient> results, SrsCodec srs) {
        if (!isOurs(address.domain())) {
            // Forwarding: a remote target is routed like any other remote recipient.
            results.putIfAbsent(address, new Recipient(address, parameters));
            return;
        }
        MailAddress decoded = srs == null ? null : srsOriginal(address, srs);
        if (decoded != null && depth < MAX_DEPTH) {
            walk(decoded, parameters, path, depth + 1, results, srs);
            return;
        }
        List<String> targets = aliasTargets(address);
        boolean loop = path.contains(address) || depth >= MAX_DEPTH;
        if (targets != null && !loop) {
            path.add(address);
            for (String target : targets) {
                walk(target(target, address.domain()), parameters, path, depth + 1, results, srs);
            }
            path.remove(address);
            return;
        }
        // An alias that names itself ("alice = alice, archive@...") delivers to its own mailbox (aliases(5)).
        String mailbox = mailbox(address);
        if (mailbox != null) {
            Map<String, String> withMailbox = new HashMap<>(parameters);
            withMailbox.put(Router.MAILBOX_PARAMETER, mailbox);
            results.putIfAbsent(address, new Recipient(address, withMailbox));
            return;
        }
        List<String> catchAll = catchAll(address.domain());
        MailAddress marker = MailAddress.of("@", address.domain());
        if (catchAll != null && !path.contains(marker) && depth < MAX_DEPTH) {
            path.add(marker);
            for (String target : catchAll) {
                walk(target(target, address.domain()), parameters, path, depth + 1, results, srs);
            }
            path.remove(marker);
            return;
        }
        results.putIfAbsent(address, new Recipient(address, parameters));
    }

    /** The address an SRS address of ours stands for, or {@code null} when it is no SRS address or does not verify. */
    static MailAddress srsOriginal(MailAddress address, SrsCodec srs) {
        if (!SrsCodec.isSrs(address.localPart())) {
            return null;
        }
        return srs.reverse(address) instanceof SrsCodec.Valid valid ? valid.address() : null;
    }

    /** A bare local part names a user of the first local domain, else of the alias's own domain. */
    private MailAddress target(String target, String domain) {
        if (target.indexOf('@') >= 0) {
            return MailAddress.parse(target);
        }
        return MailAddress.of(target, localDomains.isEmpty() ? domain : localDomains.get(0));
    }

    /** The alias entry for the address: the full address first, then the bare local part; each also without +tag. */
    private List<String> aliasTargets(MailAddress address) {
        for (String local : localParts(address)) {
            List<String> targets = tables.aliases().get(local + "@" + address.domain());
            if (targets == null) {
                targets = tables.aliases().get(local);
            }
            if (targets != null) {
                return targets;
            }
        }
        return null;
    }

    /** The Maildir folder of an address: the virtual mailbox table, or for local domains the user's own name. */
    String mailbox(MailAddress address) {
        for (String local : localParts(address)) {
            String mailbox = tables.mailboxes().get(local + "@" + address.domain());
            if (mailbox != null) {
                return mailbox;
            }
        }
        if (isLocal(address.domain())) {
            String user = localParts(address).get(localParts(address).size() - 1);
            if ((localUsers.isEmpty() || localUsers.contains(user)) && AddressTables.isMailboxName(user)) {
                return user;
            }
        }
        return null;
    }

    private List<String> catchAll(String domain) {
        return tables.aliases().get("@" + domain);
    }

    /** The local part in lower case, and without its +tag when it has one (plus-addressing). */
    private List<String> localParts(MailAddress address) {
        String local = address.localPart().toLowerCase(Locale.ROOT);
        List<String> parts = new ArrayList<>(2);
        parts.add(local);
        int tag = delimiter.isEmpty() ? -1 : local.indexOf(delimiter);
        if (tag > 0) {
            parts.add(local.substring(0, tag));
        }
        return parts;
    }
}
