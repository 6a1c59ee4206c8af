package org.carrier.tlsreport.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.file.FileModes;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results not reported yet, on disk: one snapshot file written whole to a temporary file, synced and renamed
 * over the previous one, so a crash leaves the old or the new snapshot, never a mix (what was counted since the last
 * save is lost). Tab separated lines, after a header line:
 * <pre>
 * flushed  INSTANT
 * policy   PERIOD-START  DOMAIN  POLICY-TYPE  MX-HOSTS  POLICY-STRINGS  SUCCESSES
 * failure  RESULT-TYPE  SENDING-IP  RECEIVING-MX  RECEIVING-IP  REASON  COUNT     (of the policy line above)
 * </pre>
 * Lists are joined by {@code |}; {@code %}, tab, line breaks and {@code |} inside a value are percent-encoded; an
 * absent value is {@code -}.
 */
final class ResultStore {
    private static final Logger LOG = LoggerFactory.getLogger(ResultStore.class);
    static final String FILE_NAME = "results.tsv";
    private static final String HEADER = "# carrier tls-report results 1";
    private static final String ABSENT = "-";

    private final Path file;

    ResultStore(Path directory) {
        this.file = directory.resolve(FILE_NAME);
    }

    Path file() {
        return file;
    }

    /** What was saved. */
    record Saved(Map<PolicyKey, PolicyTotals> counts, Instant flushedAt) {
        static final Saved NONE = new Saved(Map.of(), Instant.EPOCH);
    }

    /**
     * The saved results. A file that cannot be read is logged with its line and moved aside (kept for a look), and
     * reporting starts afresh: a damaged state must not stop mail or the reports to come.
     */
    Saved load() {
        if (!Files.exists(file)) {
            return Saved.NONE;
        }
        int lineNumber = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = reader.readLine();
            lineNumber = 1;
            if (!HEADER.equals(line)) {
                throw new IllegalArgumentException("not a TLS report state file (first line is not \"" + HEADER + "\")");
            }
            Parser parser = new Parser();
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                parser.line(line);
            }
            return parser.saved();
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(FILE_NAME + ".corrupt-" + System.currentTimeMillis());
            LOG.error("tlsrpt: {}:{}: {}; the results in it are not reported, the file is kept as {}",
                    file, lineNumber, e.getMessage(), aside.getFileName());
            moveAside(aside);
            return Saved.NONE;
        }
    }

    private void moveAside(Path aside) {
        try {
            Files.move(file, aside);
        } catch (IOException e) {
            LOG.error("tlsrpt: cannot move {} aside: {}", file, e.getMessage());
        }
    }

    /** Replaces the snapshot. */
    void save(Map<PolicyKey, PolicyTotals> counts, Instant flushedAt) throws IOException {
        // Peer addresses and domains mailed to: state for Carrier's user alone, 0600 in 0700 folders whatever the umask
        FileModes.PRIVATE.replace(file, text(counts, flushedAt));
    }

    static String text(Map<PolicyKey, PolicyTotals> counts, Instant flushedAt) {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        text.append("flushed\t").append(flushedAt).append('\n');
        counts.forEach((key, totals) -> {
            fields(text, "policy", key.periodStart().toString(), enc(key.domain()), key.type().wireName(),
                    list(key.mxHosts()), list(key.strings()), Long.toString(totals.successes()));
            totals.failures().forEach((failure, count) -> fields(text, "failure", failure.type().wireName(),
                    enc(failure.sendingIp()), enc(failure.receivingMx()), enc(failure.receivingIp()), enc(failure.reason()),
                    Long.toString(count)));
        });
        return text.toString();
    }

    private static void fields(StringBuilder text, String... fields) {
        text.append(String.join("\t", fields)).append('\n');
    }

    private static String list(List<String> values) {
        List<String> encoded = new ArrayList<>();
        values.forEach(v -> encoded.add(enc(v)));
        return String.join("|", encoded);
    }

    private static String enc(String value) {
        if (value == null) {
            return ABSENT;
        }
        if (value.equals(ABSENT)) {
            return "%2D";
        }
        StringBuilder out = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '%' -> out.append("%25");
                case '\t' -> out.append("%09");
                case '\n' -> out.append("%0A");
                case '\r' -> out.append("%0D");
                case '|' -> out.append("%7C");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static String dec(String field) {
        if (field.equals(ABSENT)) {
            return null;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '%' && i + 2 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 3), 16));
                i += 2;
            } else if (c == '%') {
                throw new IllegalArgumentException("a cut percent escape in \"" + field + "\"");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static List<String> decList(String field) {
        if (field.isEmpty()) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        for (String part : field.split("\\|", -1)) {
            values.add(dec(part));
        }
        return values;
    }

    /** Reads the lines in order; a failure line belongs to the policy line above it. */
    private static final class Parser {
        private final Map<PolicyKey, PolicyTotals> counts = new LinkedHashMap<>();
        private Instant flushedAt = Instant.EPOCH;
        private PolicyKey policy;
        private long successes;
        private Map<FailureKey, Long> failures;

        void line(String line) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "flushed" -> {
                    expect(f, 2);
                    flushedAt = Instant.parse(f[1]);
                }
                case "policy" -> {
                    expect(f, 7);
                    finishPolicy();
                    policy = new PolicyKey(Instant.parse(f[1]), dec(f[2]), policyType(f[3]), decList(f[5]), decList(f[4]));
                    successes = count(f[6]);
                    failures = new HashMap<>();
                }
                case "failure" -> {
                    expect(f, 7);
                    if (policy == null) {
                        throw new IllegalArgumentException("a failure line before any policy line");
                    }
                    failures.merge(new FailureKey(failureType(f[1]), dec(f[2]), dec(f[3]), dec(f[4]), dec(f[5])),
                            count(f[6]), Long::sum);
                }
                default -> throw new IllegalArgumentException("unknown line kind \"" + f[0] + "\"");
            }
        }

        Saved saved() {
            finishPolicy();
            return new Saved(counts, flushedAt);
        }

        private void finishPolicy() {
            if (policy != null) {
                counts.put(policy, new PolicyTotals(successes, failures));
                policy = null;
            }
        }

        private static void expect(String[] fields, int n) {
            if (fields.length != n) {
                throw new IllegalArgumentException("expected " + n + " tab separated fields, found " + fields.length);
            }
        }

        private static long count(String field) {
            long n = Long.parseLong(field);
            if (n < 0) {
                throw new IllegalArgumentException("a negative count");
            }
            return n;
        }

        private static TlsPolicyType policyType(String name) {
            return Arrays.stream(TlsPolicyType.values()).filter(t -> t.wireName().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown policy-type \"" + name + "\""));
        }

        private static TlsFailureType failureType(String name) {
            return Arrays.stream(TlsFailureType.values()).filter(t -> t.wireName().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown result-type \"" + name + "\""));
        }
    }
}
