package org.carrier.router.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.MailAddress;
import org.carrier.api.table.BadLine;
import org.carrier.api.table.TableLine;

/**
 * The alias table and the virtual mailbox table, validated.
 * <p>
 * Aliases: {@code key = target, target, ...} where a key is a full address, a bare local part (at every domain of
 * ours) or {@code @domain} (the domain's catch-all), and a target is a full address (a remote one means forwarding)
 * or a bare local part (a user of the first local domain). Mailboxes: {@code address = mailbox}, the Maildir folder
 * that receives the address's mail.
 */
record AddressTables(Map<String, List<String>> aliases, Map<String, String> mailboxes) {
    static final AddressTables EMPTY = new AddressTables(Map.of(), Map.of());

    AddressTables {
        aliases = Map.copyOf(aliases);
        mailboxes = Map.copyOf(mailboxes);
    }

    /** Addresses and local parts are looked up case-insensitively: the tables keep their keys in lower case. */
    static String key(String written) {
        return written.toLowerCase(Locale.ROOT);
    }

    static Map<String, List<String>> aliases(List<TableLine> lines) throws BadLine {
        Map<String, List<String>> aliases = new HashMap<>();
        for (TableLine e : lines) {
            checkEntry(e);
            List<String> targets = new ArrayList<>();
            List<String> listed;
            try {
                listed = ConfigLists.names(e.key(), e.value());
            } catch (ConfigProblem bad) {
                throw new BadLine(e.number(), bad.getMessage());
            }
            for (String target : listed) {
                if (target.indexOf('@') >= 0) {
                    try {
                        MailAddress.parse(target);
                    } catch (IllegalArgumentException bad) {
                        throw new BadLine(e.number(), "not an address: " + target);
                    }
                }
                targets.add(target);
            }
            aliases.put(e.key(), List.copyOf(targets));
        }
        return Map.copyOf(aliases);
    }

    static Map<String, String> mailboxes(List<TableLine> lines) throws BadLine {
        Map<String, String> mailboxes = new HashMap<>();
        for (TableLine e : lines) {
            checkEntry(e);
            if (e.key().startsWith("@")) {
                throw new BadLine(e.number(), "a mailbox belongs to one address; a catch-all goes in the alias table: " + e.key());
            }
            if (!isMailboxName(e.value())) {
                throw new BadLine(e.number(), "not a mailbox folder name (no /, \\, spaces, or leading dot): " + e.value());
            }
            mailboxes.put(e.key(), e.value());
        }
        return Map.copyOf(mailboxes);
    }

    private static void checkEntry(TableLine e) throws BadLine {
        if (e.value().isEmpty()) {
            throw new BadLine(e.number(), "\"" + e.key() + "\" has no value (expected: key = value)");
        }
        if (e.key().endsWith("@")) {
            throw new BadLine(e.number(), "not an address, local part or @domain: " + e.key());
        }
    }

    /** A folder name that cannot escape the mailbox directory or hide as a dot-file. */
    static boolean isMailboxName(String name) {
        return !name.isEmpty() && !name.startsWith(".") && name.chars().noneMatch(c -> c == '/' || c == '\\' || c <= ' ' || c == 0x7f);
    }
}
