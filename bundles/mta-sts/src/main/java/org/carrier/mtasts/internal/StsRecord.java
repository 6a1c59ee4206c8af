package org.carrier.mtasts.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code _mta-sts} TXT record of a domain (RFC 8461 §3.1): {@code v=STSv1; id=20160831085700Z;}. Only its
 * {@code id} matters to a sender: a changed id is the domain's signal that its policy changed (§5.1).
 */
final class StsRecord {
    private static final String VERSION = "v=STSv1";
    /** §3.1: {@code sts-id = "id=" 1*32(ALPHA / DIGIT)}. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    /** §3.1: {@code sts-ext-name} and {@code sts-ext-value}. */
    private static final Pattern EXTENSION_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern EXTENSION_VALUE = Pattern.compile("[\\x21-\\x3a\\x3c\\x3e-\\x7e]+");

    private StsRecord() {
    }

    /** The record of a domain that is not usable (several, or not as §3.1 writes it): the domain has no policy. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /**
     * The policy id the TXT records announce; empty when none of them is an MTA-STS record.
     *
     * @throws Invalid when there are several MTA-STS records, or the one there is breaks §3.1's syntax (§3.1: the
     *                 sender then assumes the domain has no available policy)
     */
    static Optional<String> id(List<String> texts) throws Invalid {
        List<String> records = new ArrayList<>();
        for (String text : texts) {
            // §3.1: records that do not begin with "v=STSv1;" are discarded (an SPF record at the same name, say)
            if (text.startsWith(VERSION + ";") || text.equals(VERSION)) {
                records.add(text);
            }
        }
        if (records.isEmpty()) {
            return Optional.empty();
        }
        if (records.size() > 1) {
            throw new Invalid(records.size() + " MTA-STS TXT records (RFC 8461 §3.1 allows one)");
        }
        return Optional.of(parse(records.get(0)));
    }

    private static String parse(String record) throws Invalid {
        String id = null;
        String[] fields = record.split(";", -1);
        for (int i = 1; i < fields.length; i++) {
            String field = fields[i].strip();
            if (field.isEmpty() && i == fields.length - 1) {
                break; // the optional trailing separator
            }
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw new Invalid("field \"" + field + "\" is not name=value in \"" + record + "\"");
            }
            String name = field.substring(0, eq);
            String value = field.substring(eq + 1);
            if (name.equals("id")) {
                if (!ID.matcher(value).matches()) {
                    throw new Invalid("id \"" + value + "\" is not 1 to 32 letters and digits in \"" + record + "\"");
                }
                if (id == null) {
                    id = value; // §3.1: a repeated field after the first is ignored
                }
            } else if (!EXTENSION_NAME.matcher(name).matches() || !EXTENSION_VALUE.matcher(value).matches()) {
                throw new Invalid("field \"" + field + "\" is not valid in \"" + record + "\"");
            }
        }
        if (id == null) {
            throw new Invalid("no id in \"" + record + "\"");
        }
        return id;
    }
}
