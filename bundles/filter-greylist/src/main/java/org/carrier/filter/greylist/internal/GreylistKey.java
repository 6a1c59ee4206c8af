package org.carrier.filter.greylist.internal;

import java.util.Locale;

/**
 * A triplet (client network, sender, recipient), or a client network alone ({@code sender} and {@code recipient}
 * null) for its count of passed retries and its automatic allowing.
 */
record GreylistKey(String network, String sender, String recipient) {

    /** Addresses compare case-insensitively here: a sender's MTA does not change case between tries. */
    static GreylistKey triplet(String network, String sender, String recipient) {
        return new GreylistKey(network, senderPattern(clean(sender)), clean(recipient));
    }

    /**
     * The sender with the parts that change from message to message taken out, so a list or bounce address that
     * passed once is known the next time: a BATV tag ({@code prvs=0123abcd=user@...}) is dropped, and runs of digits
     * in the local part (VERP and bounce numbers such as {@code bounce-4711-user=example.org@...}) become {@code #}.
     */
    static String senderPattern(String sender) {
        int at = sender.lastIndexOf('@');
        if (at < 0) {
            return sender;
        }
        String local = sender.substring(0, at).replaceFirst("^prvs=[0-9a-z]+=", "").replaceAll("[0-9]+", "#");
        return local + sender.substring(at);
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
