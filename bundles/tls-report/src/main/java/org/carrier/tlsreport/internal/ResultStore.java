package org.carrier.tlsreport.internal;

import static org.carrier.api.report.StateFields.count;
import static org.carrier.api.report.StateFields.decode;
import static org.carrier.api.report.StateFields.decodeList;
import static org.carrier.api.report.StateFields.encode;
import static org.carrier.api.report.StateFields.encodeList;
import static org.carrier.api.report.StateFields.line;
import static org.carrier.api.report.StateFields.split;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.carrier.api.report.ReportStateFile;
import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results not reported yet, on disk ({@link ReportStateFile}: replaced whole, so a crash loses at most what was
 * counted since the last save). Lines of {@link org.carrier.api.report.StateFields}, after a header line:
 * <pre>
 * flushed  INSTANT
 * policy   PERIOD-START  DOMAIN  POLICY-TYPE  MX-HOSTS  POLICY-STRINGS  SUCCESSES
 * failure  RESULT-TYPE  SENDING-IP  RECEIVING-MX  RECEIVING-IP  REASON  COUNT     (of the policy line above)
 * </pre>
 */
final class ResultStore {
    private static final Logger LOG = LoggerFactory.getLogger(ResultStore.class);
    static final String FILE_NAME = "results.tsv";
    private static final String HEADER = "# carrier tls-report results 1";

    private final ReportStateFile state;

    ResultStore(Path directory) {
        this.state = new ReportStateFile(directory.resolve(FILE_NAME), HEADER, "TLS report state", line -> LOG.error("tlsrpt: {}", line));
    }

    Path file() {
        return state.file();
    }

    /** What was saved. */
    record Saved(Map<PolicyKey, PolicyTotals> counts, Instant flushedAt) {
        static final Saved NONE = new Saved(Map.of(), Instant.EPOCH);
    }

    /** The saved results; none when the file cannot be read (logged, moved aside by {@link ReportStateFile}). */
    Saved load() {
        return state.load(Parser::new, Saved.NONE);
    }

    /** Replaces the snapshot. */
    void save(Map<PolicyKey, PolicyTotals> counts, Instant flushedAt) throws IOException {
        state.save(text(counts, flushedAt));
    }

    static String text(Map<PolicyKey, PolicyTotals> counts, Instant flushedAt) {
        StringBuilder text = new StringBuilder();
        text.append("flushed\t").append(flushedAt).append('\n');
        counts.forEach((key, totals) -> {
            line(text, "policy", key.periodStart().toString(), encode(key.domain()), policyText(key), Long.toString(totals.successes()));
            totals.failures().forEach((failure, count) -> line(text, "failure", failureText(failure), Long.toString(count)));
        });
        return text.toString();
    }

    /** POLICY-TYPE MX-HOSTS POLICY-STRINGS */
    private static String policyText(PolicyKey key) {
        return String.join("\t", key.type().wireName(), encodeList(key.mxHosts()), encodeList(key.strings()));
    }

    /** RESULT-TYPE SENDING-IP RECEIVING-MX RECEIVING-IP REASON */
    private static String failureText(FailureKey failure) {
        return String.join("\t", failure.type().wireName(), encode(failure.sendingIp()), encode(failure.receivingMx()),
                encode(failure.receivingIp()), encode(failure.reason()));
    }

    /**
     * A period's counts as the records of a cluster tally, in the form of this file's lines:
     * {@code s POLICY-TYPE MX-HOSTS POLICY-STRINGS} counts a policy's successes, and
     * {@code f POLICY-TYPE MX-HOSTS POLICY-STRINGS RESULT-TYPE SENDING-IP RECEIVING-MX RECEIVING-IP REASON} a failure entry.
     */
    static Map<String, Long> records(Map<PolicyKey, PolicyTotals> policies) {
        Map<String, Long> records = new LinkedHashMap<>();
        policies.forEach((key, totals) -> {
            String policy = policyText(key);
            if (totals.successes() > 0 || totals.failures().isEmpty()) {
                records.merge("s\t" + policy, totals.successes(), Long::sum);
            }
            totals.failures().forEach((failure, n) -> records.merge("f\t" + policy + "\t" + failureText(failure), n, Long::sum));
        });
        return records;
    }

    /** The counts of a cluster tally's {@link #records}; throws on a record it cannot read. */
    static Map<PolicyKey, PolicyTotals> policies(Instant periodStart, String domain, Map<String, Long> records) {
        Map<PolicyKey, Long> successes = new LinkedHashMap<>();
        Map<PolicyKey, Map<FailureKey, Long>> failures = new LinkedHashMap<>();
        records.forEach((record, n) -> {
            boolean success = record.startsWith("s\t");
            String[] f = split(record, success ? 4 : 9);
            PolicyKey key = new PolicyKey(periodStart, domain, Parser.policyType(f[1]), decodeList(f[3]), decodeList(f[2]));
            successes.merge(key, success ? n : 0, Long::sum);
            if (!success) {
                failures.computeIfAbsent(key, k -> new HashMap<>()).merge(new FailureKey(Parser.failureType(f[4]), decode(f[5]),
                        decode(f[6]), decode(f[7]), decode(f[8])), n, Long::sum);
            }
        });
        Map<PolicyKey, PolicyTotals> policies = new LinkedHashMap<>();
        successes.forEach((key, n) -> policies.put(key, new PolicyTotals(n, failures.getOrDefault(key, Map.of()))));
        return policies;
    }

    /** Reads the lines in order; a failure line belongs to the policy line above it. */
    private static final class Parser implements ReportStateFile.Reader<Saved> {
        private final Map<PolicyKey, PolicyTotals> counts = new LinkedHashMap<>();
        private Instant flushedAt = Instant.EPOCH;
        private PolicyKey policy;
        private long successes;
        private Map<FailureKey, Long> failures;

        @Override
        public void accept(String line) {
            String kind = line.split("\t", 2)[0];
            switch (kind) {
                case "flushed" -> flushedAt = Instant.parse(split(line, 2)[1]);
                case "policy" -> {
                    String[] f = split(line, 7);
                    finishPolicy();
                    policy = new PolicyKey(Instant.parse(f[1]), decode(f[2]), policyType(f[3]), decodeList(f[5]), decodeList(f[4]));
                    successes = count(f[6]);
                    failures = new HashMap<>();
                }
                case "failure" -> {
                    String[] f = split(line, 7);
                    if (policy == null) {
                        throw new IllegalArgumentException("a failure line before any policy line");
                    }
                    failures.merge(new FailureKey(failureType(f[1]), decode(f[2]), decode(f[3]), decode(f[4]), decode(f[5])),
                            count(f[6]), Long::sum);
                }
                default -> throw new IllegalArgumentException("unknown line kind \"" + kind + "\"");
            }
        }

        @Override
        public Saved result() {
            finishPolicy();
            return new Saved(counts, flushedAt);
        }

        private void finishPolicy() {
            if (policy != null) {
                counts.put(policy, new PolicyTotals(successes, failures));
                policy = null;
            }
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
