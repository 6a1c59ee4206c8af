package org.carrier.tools.sendmail;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line of {@code bin/sendmail}, as the classic sendmail and Postfix's take it:
 * {@code -t} (recipients from To, Cc and Bcc), {@code -f SENDER} / {@code -r SENDER} (envelope sender; {@code <>} for
 * none), {@code -F NAME} (full name for a From field we add), {@code -i} / {@code -oi} (a line with a lone dot does not
 * end the message), recipients as arguments. Options that only tune the classic daemon ({@code -o...} others,
 * {@code -bm}, {@code -v}, {@code -U}, {@code -m}, {@code -n}, {@code -em}, and {@code -B -C -h -L -N -O -R -V -X} with
 * their value) are accepted and ignored, so existing programs run unchanged.
 *
 * @param sender            the envelope sender, {@code ""} for the null sender, {@code null} when not given
 * @param fullName          the -F name, or {@code null}
 * @param extractRecipients -t
 * @param dotEndsMessage    false with -i / -oi
 * @param recipients        the recipient arguments (each may hold several addresses separated by commas)
 */
record SendmailOptions(String sender, String fullName, boolean extractRecipients, boolean dotEndsMessage, List<String> recipients) {
    /** Options that take a value and change nothing here. */
    private static final String IGNORED_WITH_VALUE = "BCbhLNOqRVX";
    /** Options without a value that change nothing here. */
    private static final String IGNORED_FLAGS = "vUmnGAe";

    static SendmailOptions parse(String... args) throws SubmitFailure {
        String sender = null;
        String fullName = null;
        boolean extract = false;
        boolean dotEnds = true;
        int i = 0;
        for (; i < args.length && args[i].startsWith("-") && args[i].length() > 1; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                i++;
                break;
            }
            char option = arg.charAt(1);
            String attached = arg.substring(2);
            switch (option) {
                case 't' -> extract = flag(arg, attached);
                case 'i' -> dotEnds = !flag(arg, attached);
                case 'o' -> {
                    if (attached.isEmpty()) {
                        throw new SubmitFailure(SubmitFailure.USAGE, "option -o needs a letter, e.g. -oi");
                    }
                    if (attached.equals("i")) {
                        dotEnds = false;
                    }
                    // -oem, -odb, -oQ... tune the classic sendmail's daemon: nothing to do here
                }
                case 'f', 'r' -> {
                    sender = attached.isEmpty() ? value(args, ++i, option) : attached;
                    sender = sender.equals("<>") ? "" : strip(sender);
                }
                case 'F' -> fullName = attached.isEmpty() ? value(args, ++i, option) : attached;
                case 'b' -> {
                    if (!attached.equals("m")) {
                        throw new SubmitFailure(SubmitFailure.USAGE, "-b" + attached + " is not supported: this sendmail only submits mail"
                                + " (-bm); for the queue use bin/mailq");
                    }
                }
                default -> {
                    if (IGNORED_WITH_VALUE.indexOf(option) >= 0) {
                        if (attached.isEmpty() && option != 'q') {
                            value(args, ++i, option);
                        }
                    } else if (IGNORED_FLAGS.indexOf(option) < 0) {
                        throw new SubmitFailure(SubmitFailure.USAGE, "unknown option " + arg
                                + "\nusage: sendmail [-t] [-i|-oi] [-f sender] [-F 'Full Name'] [recipient ...] < message");
                    }
                }
            }
        }
        List<String> recipients = new ArrayList<>();
        for (; i < args.length; i++) {
            recipients.add(args[i]);
        }
        return new SendmailOptions(sender, fullName, extract, dotEnds, List.copyOf(recipients));
    }

    private static boolean flag(String arg, String attached) throws SubmitFailure {
        if (!attached.isEmpty()) {
            throw new SubmitFailure(SubmitFailure.USAGE, "unknown option " + arg);
        }
        return true;
    }

    private static String value(String[] args, int index, char option) throws SubmitFailure {
        if (index >= args.length) {
            throw new SubmitFailure(SubmitFailure.USAGE, "option -" + option + " needs a value");
        }
        return args[index];
    }

    private static String strip(String address) {
        String s = address.trim();
        return s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1).trim() : s;
    }
}
