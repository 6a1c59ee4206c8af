package org.carrier.api.dns;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One TLSA resource record (RFC 6698 §2.1): which certificate (usage), which part of it (selector) and how it is
 * compared (matching type) with the association data. Unknown values are kept, not refused: RFC 7672 §2.2 makes a
 * TLSA set with no usable record a distinct case, which its user has to see.
 *
 * @param usage        certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE (RFC 7218)
 * @param selector     0 the full certificate, 1 the SubjectPublicKeyInfo
 * @param matchingType 0 exact, 1 SHA-256, 2 SHA-512
 * @param data         the certificate association data (copied)
 */
public record TlsaRecord(int usage, int selector, int matchingType, byte[] data) {
    public TlsaRecord {
        checkOctet("usage", usage);
        checkOctet("selector", selector);
        checkOctet("matchingType", matchingType);
        data = data.clone();
    }

    private static void checkOctet(String field, int value) {
        if (value < 0 || value > 255) {
            throw new IllegalArgumentException("TLSA " + field + " must be 0..255, not " + value);
        }
    }

    /** The certificate association data (a copy). */
    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsaRecord other && usage == other.usage && selector == other.selector
                && matchingType == other.matchingType && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * usage + selector) + matchingType) + Arrays.hashCode(data);
    }

    /** The presentation form (RFC 6698 §2.2), e.g. {@code 3 1 1 0a1b...}, with the data in lower-case hex. */
    @Override
    public String toString() {
        return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(data);
    }
}
