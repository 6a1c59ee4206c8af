package org.carrier.tlsreport.internal;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import org.carrier.api.message.MailAddress;

/**
 * A domain's TLS reporting policy, the {@code _smtp._tls.<domain>} TXT record (RFC 8460 §3):
 * {@code v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/tlsrpt}.
 *
 * @param mailto the addresses of the {@code mailto:} URIs (RFC 6068), in order
 * @param https  the {@code https:} URIs, in order
 * @param ignored the {@code rua} URIs that are neither, or unreadable, as given (for the log line)
 */
record ReportingPolicy(List<MailAddress> mailto, List<URI> https, List<String> ignored) {
    /** RFC 8460 §3: the version first, exactly so, then a field delimiter ({@code *WSP ";" *WSP}) or the end. */
    private static final Pattern VERSION = Pattern.compile("^v=TLSRPTv1[ \\t]*(;|$)");
    private static final Pattern FIELD_DELIMITER = Pattern.compile("[ \\t]*;[ \\t]*");
    private static final Pattern URI_DELIMITER = Pattern.compile("[ \\t]*,[ \\t]*");

    ReportingPolicy {
        mailto = List.copyOf(mailto);
        https = List.copyOf(https);
        ignored = List.copyOf(ignored);
    }

    /**
     * The policy the TXT records of {@code _smtp._tls.<domain>} give. RFC 8460 §3: records not starting with
     * {@code v=TLSRPTv1} are discarded, and unless exactly one is left the domain is taken not to implement TLS-RPT
     * (empty). A record without a {@code rua} field, or whose {@code rua} names no URI we can use, gives a policy
     * with nothing to send to.
     */
    static Optional<ReportingPolicy> of(List<String> txtRecords) {
        List<String> records = txtRecords.stream().filter(r -> VERSION.matcher(r).find()).toList();
        if (records.size() != 1) {
            return Optional.empty();
        }
        List<MailAddress> mailto = new ArrayList<>();
        List<URI> https = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (String field : FIELD_DELIMITER.split(records.get(0).strip())) {
            if (field.startsWith("rua=")) {
                for (String uri : URI_DELIMITER.split(field.substring(4).strip())) {
                    if (!uri.isEmpty()) {
                        add(uri, mailto, https, ignored);
                    }
                }
            }
        }
        return Optional.of(new ReportingPolicy(mailto, https, ignored));
    }

    private static void add(String uri, List<MailAddress> mailto, List<URI> https, List<String> ignored) {
        String lower = uri.toLowerCase(Locale.ROOT);
        try {
            if (lower.startsWith("mailto:")) {
                mailto.addAll(mailtoAddresses(uri.substring("mailto:".length())));
            } else if (lower.startsWith("https:")) {
                URI parsed = new URI(uri);
                if (parsed.getHost() == null) {
                    throw new URISyntaxException(uri, "no host");
                }
                https.add(parsed);
            } else {
                ignored.add(uri);
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            ignored.add(uri);
        }
    }

    /**
     * The addresses of a {@code mailto:} URI's path (RFC 6068 §2: comma separated, percent-encoded; the rua list
     * itself is comma separated, so a comma inside a mailto: is {@code %2C}); header fields after {@code ?} are not
     * for us.
     */
    private static List<MailAddress> mailtoAddresses(String rest) {
        int query = rest.indexOf('?');
        String path = percentDecoded(query < 0 ? rest : rest.substring(0, query));
        List<MailAddress> addresses = new ArrayList<>();
        for (String address : path.split(",")) {
            if (!address.isBlank()) {
                MailAddress parsed = MailAddress.parse(address.strip());
                if (parsed.isNullSender()) {
                    throw new IllegalArgumentException("an empty address");
                }
                addresses.add(parsed);
            }
        }
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no address");
        }
        return addresses;
    }

    private static String percentDecoded(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    throw new IllegalArgumentException("a cut percent escape");
                }
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    boolean hasDestinations() {
        return !mailto.isEmpty() || !https.isEmpty();
    }
}
