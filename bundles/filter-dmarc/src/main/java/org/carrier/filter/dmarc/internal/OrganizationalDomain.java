package org.carrier.filter.dmarc.internal;

import java.util.Locale;

import com.google.common.net.InternetDomainName;

/**
 * The organizational domain of RFC 7489 §3.2: the public suffix of a name (from the Public Suffix List) plus one
 * label. A name under no listed suffix falls to the list's default rule "*": its top-level label is the suffix.
 */
final class OrganizationalDomain {
    private OrganizationalDomain() {
    }

    static String of(String domain) {
        String name = domain.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
        try {
            InternetDomainName parsed = InternetDomainName.from(name);
            if (parsed.isUnderPublicSuffix()) {
                return parsed.topPrivateDomain().toString();
            }
            if (parsed.isPublicSuffix()) {
                return name;
            }
        } catch (IllegalArgumentException notAValidName) {
            // fall through to the default rule on the labels as they are
        }
        String[] labels = name.split("\\.");
        return labels.length <= 2 ? name : labels[labels.length - 2] + "." + labels[labels.length - 1];
    }

    /** RFC 7489 §3.1.1: relaxed alignment is equal organizational domains, strict alignment equal names. */
    static boolean aligned(String a, String b, boolean strict) {
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        return strict ? x.equals(y) : of(x).equals(of(y));
    }
}
