package org.carrier.router.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.MailAddress;

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

    static Map<String, List<String>> aliases(Path file) throws TableException {
        Map<String, List<String>> aliases = new HashMap<>();
        for (TableFile.Entry e : TableFile.read(file)) {
            checkKey(file, e);
            List<String> targets = new ArrayList<>();
            List<String> listed;
            try {
                listed = ConfigLists.names(e.key(), e.value());
            } catch (ConfigProblem bad) {
                throw new TableException(file, e.line(), bad.getMessage());
            }
            for (String target : listed) {
                if (target.indexOf('@') >= 0) {
                    try {
                        MailAddress.parse(target);
                    } catch (IllegalArgumentException bad) {
                        throw new TableException(file, e.line(), "not an address: " + target);
                    }
                }
                targets.add(target);
            }
            aliases.put(e.key(), List.copyOf(targets));
        }
        return aliases;
    }

    static Map<String, String> mailboxes(Path file) throws TableException {
        Map<String, String> mailboxes = new HashMap<>();
        for (TableFile.Entry e : TableFile.read(file)) {
            checkKey(file, e);
            if (e.key().startsWith("@")) {
                throw new TableException(file, e.line(), "a mailbox belongs to one address; a catch-all goes in the alias table: " + e.key());
            }
            if (!isMailboxName(e.value())) {
                throw new TableException(file, e.line(), "not a mailbox folder name (no /, \\, spaces, or leading dot): " + e.value());
            }
            mailboxes.put(e.key(), e.value());
        }
        return mailboxes;
    }

    private static void checkKey(Path file, TableFile.Entry e) throws TableException {
        String key = e.key();
        int at = key.lastIndexOf('@');
        if (at == key.length() - 1) {
            throw new TableException(file, e.line(), "not an address, local part or @domain: " + key);
        }
    }

    /** A folder name that cannot escape the mailbox directory or hide as a dot-file. */
    static boolean isMailboxName(String name) {
        return !name.isEmpty() && !name.startsWith(".") && name.chars().noneMatch(c -> c == '/' || c == '\\' || c <= ' ' || c == 0x7f);
    }
}
