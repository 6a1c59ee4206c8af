package org.carrier.filter.dkim.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DKIM tag list (RFC 6376 §3.2): {@code tag=value} pairs separated by semicolons, with folding white space
 * allowed around tags and values. Used by signatures and key records alike.
 */
final class TagList {
    private final Map<String, String> tags;

    private TagList(Map<String, String> tags) {
        this.tags = Collections.unmodifiableMap(tags);
    }

    /**
     * Parses a tag list.
     *
     * @throws DkimException (permerror) for a tag without {@code =}, an invalid tag name or a tag given twice
     *                       (RFC 6376 §3.2: "Tags with duplicate names MUST NOT occur within a single tag-list")
     */
    static TagList parse(String text) throws DkimException {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String spec : text.split(";", -1)) {
            if (spec.isBlank()) {
                continue; // RFC 6376 §3.2: a trailing semicolon is allowed
            }
            int eq = spec.indexOf('=');
            if (eq < 0) {
                throw DkimException.permerror("tag without a value: " + spec.strip());
            }
            String name = stripFws(spec.substring(0, eq));
            if (!name.matches("[A-Za-z][A-Za-z0-9_]*")) {
                throw DkimException.permerror("invalid tag name: " + name);
            }
            if (tags.put(name, stripFws(spec.substring(eq + 1))) != null) {
                throw DkimException.permerror("tag given twice: " + name);
            }
        }
        return new TagList(tags);
    }

    /** The value of a tag, or {@code null} if it is absent. */
    String get(String name) {
        return tags.get(name);
    }

    /** The value of a tag that must be present. */
    String required(String name) throws DkimException {
        String value = tags.get(name);
        if (value == null) {
            throw DkimException.permerror("required tag " + name + "= missing");
        }
        return value;
    }

    boolean has(String name) {
        return tags.containsKey(name);
    }

    /** A value with all folding white space taken out, as base64 values may be folded anywhere (RFC 6376 §3.5, b=). */
    static String withoutWhiteSpace(String value) {
        return value.replaceAll("[ \t\r\n]", "");
    }

    private static String stripFws(String s) {
        return s.replaceAll("^[ \t\r\n]+|[ \t\r\n]+$", "");
    }
}
