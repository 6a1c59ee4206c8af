package org.carrier.api.filter;

import java.util.function.Consumer;

import org.carrier.api.config.ConfigProblem;
import org.carrier.api.message.HeaderField;

/**
 * The tag header setting every filter has, read by one rule. (Any other setting is parsed with
 * {@link ConfigProblem#check}, which names the key and value: that rule is not filter-specific.) Checked when the
 * configuration arrives, not on every message.
 */
public final class FilterSettings {
    /** The header field {@link PolicyAction#TAG} and {@link PolicyAction#HOLD} add unless configured otherwise. */
    public static final String DEFAULT_TAG_HEADER = "X-Carrier-Policy";

    private FilterSettings() {
    }

    /**
     * The header field name of a filter's {@code tagHeader} setting; blank means {@link #DEFAULT_TAG_HEADER}.
     *
     * @throws IllegalArgumentException "tagHeader: ..." when it is not a header field name (RFC 5322 §3.6.8)
     */
    public static String tagHeader(String configured) {
        String name = configured == null || configured.isBlank() ? DEFAULT_TAG_HEADER : configured.strip();
        return ConfigProblem.check("tagHeader", null, () -> new HeaderField(name, "").name());
    }

    /**
     * The header field name of a filter's {@code tagHeader} setting, or, when it is not one, the name in force so far
     * (the default when there is none yet), with {@code problem} told what is wrong and what is kept: a typo must
     * neither stop the filter's other settings from applying nor make every tagged message fail.
     *
     * @param inForce the name the filter tags with until now, or {@code null} when it is being configured the first time
     */
    public static String tagHeader(String configured, String inForce, Consumer<String> problem) {
        try {
            return tagHeader(configured);
        } catch (IllegalArgumentException e) {
            String kept = inForce == null ? DEFAULT_TAG_HEADER : inForce;
            problem.accept(e.getMessage() + "; tagging with " + kept);
            return kept;
        }
    }
}
