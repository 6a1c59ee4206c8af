package org.carrier.dns.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The DS or DNSKEY records DNSSEC validation starts from (RFC 4033 §2, RFC 4035 §4.4), in zone-file format.
 *
 * @param source where they came from, for the log
 * @param text   the records as written
 */
record TrustAnchor(String source, String text) {
    /**
     * The root zone's key-signing keys as DS records, from IANA's root-anchors.xml
     * (https://data.iana.org/root-anchors/root-anchors.xml, also Debian's dns-root-data /usr/share/dns/root.ds):
     * KSK-2017 (key tag 20326) and KSK-2024 (key tag 38696), which IANA scheduled to take over signing the root DNSKEY
     * set in October 2026. Both are given so that validation works before, during and after that rollover.
     */
    static final TrustAnchor ROOT = new TrustAnchor("the built-in root trust anchor (IANA KSK-2017 and KSK-2024)", """
            . IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
            . IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
            """);

    /** The root anchor for an empty setting, else the file's records. */
    static TrustAnchor of(String file) {
        return file == null || file.isBlank() ? ROOT : read(Path.of(file.trim()));
    }

    /**
     * @throws IllegalArgumentException saying what is wrong: the file cannot be read, a line is no resource record,
     *                                  or it has no DS or DNSKEY record
     */
    static TrustAnchor read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such trust anchor file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("the trust anchor file is not readable (permission denied)");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the trust anchor file: " + e.getMessage());
        }
        TrustAnchor anchor = new TrustAnchor(file.toString(), text);
        anchor.records();
        return anchor;
    }

    /** The DS and DNSKEY records (other types are ignored, as dnsjava's validator ignores them). */
    List<Record> records() {
        List<Record> anchors = new ArrayList<>();
        try (Master zone = new Master(stream(), Name.root, 0)) {
            for (Record r = zone.nextRecord(); r != null; r = zone.nextRecord()) {
                if (r.getType() == Type.DS || r.getType() == Type.DNSKEY) {
                    anchors.add(r);
                }
            }
        } catch (IOException e) {
            // dnsjava's message names the line: "line 3: expected an integer"
            throw new IllegalArgumentException("not a zone file of DS or DNSKEY records: " + e.getMessage());
        }
        if (anchors.isEmpty()) {
            throw new IllegalArgumentException("no DS or DNSKEY record in the trust anchor file");
        }
        return anchors;
    }

    InputStream stream() {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
