package org.carrier.filter.greylist.internal;

import java.util.Locale;

/**
 * A triplet (client network, sender, recipient), or a client network alone ({@code sender} and {@code recipient}
 * null) for its count of passed retries and its automatic allowing.
 */
record GreylistKey(String network, String sender, String recipient) {

    /** Addresses compare case-insensitively here: a sender's MTA does not change case between tries. */
    static GreylistKey triplet(String network, String sender, String recipient) {
        return new GreylistKey(network, clean(sender), clean(recipient));
    }

    static GreylistKey network(String network) {
        return new GreylistKey(network, null, null);
    }

    boolean isNetwork() {
        return sender == null;
    }

    /** Tabs and line ends separate the fields of the state file, so they cannot be part of one. */
    private static String clean(String address) {
        return address.toLowerCase(Locale.ROOT).replaceAll("[\\t\\r\\n]", " ");
    }
}
