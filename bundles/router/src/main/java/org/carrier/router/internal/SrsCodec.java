package org.carrier.router.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.carrier.api.message.MailAddress;

/**
 * The Sender Rewriting Scheme as libsrs2 and postsrsd write it, so that an address one of them made with the same
 * secret verifies here and the other way round:
 * <ul>
 * <li>{@code SRS0=HHHH=TT=orig-domain=orig-local@forwarder}: HHHH is the first four characters of the base64 of
 * HMAC-SHA1(secret, TT + orig-domain + orig-local), each part in ASCII lower case; TT is the day number (Unix time /
 * 86400) modulo 1024 in two base32 characters (A-Z, 2-7).</li>
 * <li>{@code SRS1=HHHH=first-forwarder==HHHH=TT=orig-domain=orig-local@forwarder}: a second forwarder of an SRS0
 * address keeps the first forwarder's part as it is and signs (first-forwarder + that part, with its leading
 * separator); a bounce goes back to the first forwarder, which alone can check the inner hash.</li>
 * </ul>
 * Receivers may fold the case of a local part, so the tags, the hash and the timestamp are compared without case
 * (libsrs2 accepts a case-smashed hash too). Immutable and thread-safe.
 */
final class SrsCodec {
    static final int HASH_LENGTH = 4;
    private static final String TIME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final int TIME_BITS = 5;
    /** Two base32 characters: timestamps wrap after 1024 days, so an address is valid for at most 1023 days. */
    static final int TIME_SLOTS = 1 << (2 * TIME_BITS);
    private static final long DAY_SECONDS = 86_400;

    private final List<String> secrets;
    private final int maxAgeDays;
    private final Clock clock;

    /**
     * @param secrets    the secret that signs first, then old secrets that still verify; at least one
     * @param maxAgeDays how many days after it was made an address is still accepted
     */
    SrsCodec(List<String> secrets, int maxAgeDays, Clock clock) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("an SRS secret is required");
        }
        this.secrets = List.copyOf(secrets);
        this.maxAgeDays = maxAgeDays;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What decoding an address found. */
    sealed interface Decoded {
    }

    /** The address the SRS address stands for: the original sender (SRS0), or the first forwarder's SRS0 (SRS1). */
    record Valid(MailAddress address) implements Decoded {
    }

    /** Why an SRS address is refused, as the RCPT reply says it. */
    record Invalid(String reason) implements Decoded {
    }

    /** Whether a local part is in SRS form at all (SRS0 or SRS1 and a separator), whatever its case. */
    static boolean isSrs(String localPart) {
        return tag(localPart) != 0;
    }

    /**
     * The sender as {@code forwarder} sends it on: an SRS0 address, or for an SRS0 or SRS1 address of another forwarder
     * an SRS1 address (libsrs2's rules, so a chain of forwarders stays short and the bounce can find its way back).
     */
    MailAddress forward(MailAddress sender, String forwarder) {
        String local = sender.localPart();
        return switch (tag(local)) {
            case '0' -> srs1(sender.domain(), local.substring(4), forwarder);
            case '1' -> reforwardSrs1(local, forwarder).orElse(srs0(sender, forwarder));
            default -> srs0(sender, forwarder);
        };
    }

    private MailAddress srs0(MailAddress sender, String forwarder) {
        String stamp = timestamp(clock.instant().getEpochSecond() / DAY_SECONDS);
        String hash = hash(secrets.get(0), stamp, sender.domain(), sender.localPart());
        return MailAddress.of("SRS0=" + hash + "=" + stamp + "=" + sender.domain() + "=" + sender.localPart(), forwarder);
    }

    /** {@code opaque} begins with the separator that followed the tag ("=HHHH=TT=domain=local"). */
    private MailAddress srs1(String firstForwarder, String opaque, String forwarder) {
        String hash = hash(secrets.get(0), firstForwarder, opaque);
        return MailAddress.of("SRS1=" + hash + "=" + firstForwarder + "=" + opaque, forwarder);
    }

    /** An SRS1 address forwarded again: the first forwarder's part stays, with our hash (its hash is not ours to check). */
    private Optional<MailAddress> reforwardSrs1(String local, String forwarder) {
        String[] parts = local.substring(5).split("=", 3);
        if (parts.length < 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(srs1(parts[1], parts[2], forwarder));
    }

    /** Decodes an SRS0 or SRS1 address made with one of our secrets; a forged hash or an old timestamp is Invalid. */
    Decoded reverse(MailAddress address) {
        String local = address.localPart();
        return switch (tag(local)) {
            case '0' -> reverseSrs0(local.substring(5));
            case '1' -> reverseSrs1(local.substring(5));
            default -> new Invalid("not an SRS address");
        };
    }

    private Decoded reverseSrs0(String rest) {
        String[] parts = rest.split("=", 4);
        if (parts.length < 4 || parts[2].isEmpty() || parts[3].isEmpty()) {
            return new Invalid("malformed SRS0 address");
        }
        String hash = parts[0];
        String stamp = parts[1];
        if (!verifies(hash, stamp, parts[2], parts[3])) {
            return new Invalid("SRS address with an invalid hash");
        }
        Long day = day(stamp);
        if (day == null) {
            return new Invalid("SRS address with an invalid timestamp");
        }
        if (age(day) > maxAgeDays) {
            return new Invalid("SRS address expired (older than " + maxAgeDays + " days)");
        }
        return valid(parts[3], parts[2]);
    }

    private Decoded reverseSrs1(String rest) {
        String[] parts = rest.split("=", 3);
        if (parts.length < 3 || parts[1].isEmpty() || parts[2].length() < 2) {
            return new Invalid("malformed SRS1 address");
        }
        if (!verifies(parts[0], parts[1], parts[2])) {
            return new Invalid("SRS address with an invalid hash");
        }
        return valid("SRS0" + parts[2], parts[1]);
    }

    private static Decoded valid(String local, String domain) {
        try {
            return new Valid(MailAddress.of(local, domain));
        } catch (IllegalArgumentException e) {
            return new Invalid("SRS address naming an invalid address");
        }
    }

    /** Days since the address was made, through the 1024-day wrap (libsrs2: the stamp is never in the future). */
    private long age(long day) {
        long today = (clock.instant().getEpochSecond() / DAY_SECONDS) % TIME_SLOTS;
        return Math.floorMod(today - day, TIME_SLOTS);
    }

    private boolean verifies(String hash, String... data) {
        if (hash.length() != HASH_LENGTH) {
            return false;
        }
        // Each secret is tried: old secrets keep the bounces to addresses made before a change of secret coming home.
        return secrets.stream().anyMatch(secret -> hash.equalsIgnoreCase(hash(secret, data)));
    }

    static String hash(String secret, String... data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            for (String part : data) {
                mac.update(asciiLowerCase(part).getBytes(StandardCharsets.UTF_8));
            }
            return Base64.getEncoder().encodeToString(mac.doFinal()).substring(0, HASH_LENGTH);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is part of every Java runtime", e);
        }
    }

    /** libsrs2 folds with C's tolower: ASCII letters only, so an internationalized local part hashes the same there. */
    private static String asciiLowerCase(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
        }
        return sb.toString();
    }

    static String timestamp(long day) {
        int slot = (int) (day % TIME_SLOTS);
        return "" + TIME_CHARS.charAt(slot >> TIME_BITS) + TIME_CHARS.charAt(slot & ((1 << TIME_BITS) - 1));
    }

    private static Long day(String stamp) {
        if (stamp.length() != 2) {
            return null;
        }
        long day = 0;
        for (char c : stamp.toCharArray()) {
            int value = TIME_CHARS.indexOf(Character.toUpperCase(c));
            if (value < 0) {
                return null;
            }
            day = (day << TIME_BITS) | value;
        }
        return day;
    }

    /**
     * '0' or '1' for a local part that starts with SRS0 or SRS1 (any case) and one of libsrs2's separators (= + -),
     * else 0. Only '=' follows the tag in what we write; the others are accepted as libsrs2 accepts them.
     */
    private static char tag(String local) {
        if (local.length() < 6 || !local.regionMatches(true, 0, "SRS", 0, 3)) {
            return 0;
        }
        char digit = local.charAt(3);
        char separator = local.charAt(4);
        boolean sep = separator == '=' || separator == '+' || separator == '-';
        return sep && (digit == '0' || digit == '1') ? digit : 0;
    }
}
