package org.carrier.admin.internal.console;

import org.owasp.encoder.Encode;

/**
 * Escaping of everything the console pages show. Besides HTML's own special characters, {@code $} is written as a
 * character reference: the web console resolves {@code ${name}} variables in the pages it frames, and text from the
 * queue (a sender, a header) must never be read as one.
 */
final class Html {
    private Html() {
    }

    /** Text between tags; null is shown as nothing. */
    static String text(Object value) {
        return value == null ? "" : Encode.forHtml(value.toString()).replace("$", "&#36;");
    }

    /** The value of a quoted attribute. */
    static String attr(Object value) {
        return value == null ? "" : Encode.forHtmlAttribute(value.toString()).replace("$", "&#36;");
    }

    /** One query parameter value in a link. */
    static String query(Object value) {
        return value == null ? "" : Encode.forUriComponent(value.toString());
    }
}
