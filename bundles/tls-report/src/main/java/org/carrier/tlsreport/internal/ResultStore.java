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
            line(text, "policy", key.periodStart().toString(), encode(key.domain()), key.type().wireName(),
                    encodeList(key.mxHosts()), encodeList(key.strings()), Long.toString(totals.successes()));
            totals.failures().forEach((failure, count) -> line(text, "failure", failure.type().wireName(),
                    encode(failure.sendingIp()), encode(failure.receivingMx()), encode(failure.receivingIp()),
                    encode(failure.reason()), Long.toString(count)));
        });
        return text.toString();
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
