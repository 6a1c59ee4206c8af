package org.carrier.delivery.smtp.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The service extensions a peer announced in its EHLO or LHLO reply (RFC 5321 §4.1.1.1), keyword to parameters. */
record Extensions(Map<String, String> keywords) {
    static final Extensions NONE = new Extensions(Map.of());

    Extensions {
        keywords = Map.copyOf(keywords);
    }

    /** Parses the reply's lines after the first: {@code KEYWORD [params]}. */
    static Extensions of(Reply hello) {
        Map<String, String> keywords = new LinkedHashMap<>();
        for (String line : hello.lines().subList(1, hello.lines().size())) {
            String[] parts = line.trim().split("\\s+", 2);
            if (!parts[0].isEmpty()) {
                keywords.put(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : "");
            }
        }
        return new Extensions(keywords);
    }

    boolean has(String keyword) {
        return keywords.containsKey(keyword);
    }

    /** The parameters of a keyword, e.g. {@code PLAIN LOGIN} for AUTH, or empty. */
    String parameters(String keyword) {
        return keywords.getOrDefault(keyword, "");
    }
}
