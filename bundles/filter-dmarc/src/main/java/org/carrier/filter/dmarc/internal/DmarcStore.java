package org.carrier.filter.dmarc.internal;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.dmarc.DmarcEvaluation;
import org.carrier.api.report.ReportStateFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluations not reported yet, on disk ({@link ReportStateFile}). Lines after the header:
 * <pre>
 * flushed  INSTANT
 * policy   PERIOD-START  DOMAIN  P  SP  PCT  ADKIM  ASPF  FO  RUA
 * row      SOURCE-IP  HEADER-FROM  DISPOSITION  DKIM-ALIGNED  SPF-ALIGNED  REASONS  DKIM-RESULTS  SPF-RESULT  COUNT
 * </pre>
 * A row belongs to the policy line above it. REASONS and DKIM-RESULTS are lists whose items are parts joined by
 * {@code :} (each part encoded, a {@code :} in it too): {@code type:comment}, {@code result:domain:selector};
 * SPF-RESULT is {@code result:scope:domain}.
 */
final class DmarcStore {
    private static final Logger LOG = LoggerFactory.getLogger(DmarcStore.class);
    static final String FILE_NAME = "evaluations.tsv";
    private static final String HEADER = "# carrier dmarc-report evaluations 1";

    private final ReportStateFile state;

    DmarcStore(Path directory) {
        this.state = new ReportStateFile(directory.resolve(FILE_NAME), HEADER, "DMARC report state",
                line -> LOG.error("dmarc-report: {}", line));
    }

    Path file() {
        return state.file();
    }

    record Saved(Map<DmarcCounts.Period, DmarcCounts.Entry> entries, Instant flushedAt) {
        static final Saved NONE = new Saved(Map.of(), Instant.EPOCH);
    }

    Saved load() {
        return state.load(Parser::new, Saved.NONE);
    }

    void save(Map<DmarcCounts.Period, DmarcCounts.Entry> entries, Instant flushedAt) throws IOException {
        StringBuilder text = new StringBuilder();
        line(text, "flushed", flushedAt.toString());
        entries.forEach((period, entry) -> {
            line(text, "policy", period.start().toString(), policyText(entry.published));
            entry.rows.forEach((row, n) -> line(text, "row", rowText(row), Long.toString(n)));
        });
        state.save(text);
    }

    /** A published policy as tab separated fields: DOMAIN P SP PCT ADKIM ASPF FO RUA (also a cluster tally's "about"). */
    static String policyText(DmarcEvaluation.Published p) {
        return String.join("\t", encode(p.domain()), encode(p.p()), encode(p.sp()), Integer.toString(p.pct()),
                p.strictDkim() ? "s" : "r", p.strictSpf() ? "s" : "r", encode(p.fo()), encode(p.rua()));
    }

    static DmarcEvaluation.Published policy(String text) {
        return policy(split(text, 8), 0);
    }

    private static DmarcEvaluation.Published policy(String[] f, int from) {
        return new DmarcEvaluation.Published(decode(f[from]), decode(f[from + 1]), decode(f[from + 2]),
                Integer.parseInt(f[from + 3]), f[from + 4].equals("s"), f[from + 5].equals("s"), decode(f[from + 6]),
                decode(f[from + 7]));
    }

    /**
     * A row as tab separated fields: SOURCE-IP HEADER-FROM DISPOSITION DKIM-ALIGNED SPF-ALIGNED REASONS DKIM-RESULTS
     * SPF-RESULT (also a record's field in a cluster tally).
     */
    static String rowText(DmarcCounts.Row row) {
        return String.join("\t", encode(row.sourceIp()), encode(row.headerFrom()), encode(row.disposition()),
                Boolean.toString(row.dkimAligned()), Boolean.toString(row.spfAligned()),
                encodeList(row.reasons().stream().map(r -> parts(r.type(), r.comment())).toList()),
                encodeList(row.dkim().stream().map(d -> parts(d.result(), d.domain(), d.selector())).toList()),
                encode(parts(row.spf().result(), row.spf().scope(), row.spf().domain())));
    }

    static DmarcCounts.Row row(String text) {
        return row(split(text, 8), 0);
    }

    private static DmarcCounts.Row row(String[] f, int from) {
        List<DmarcEvaluation.Reason> reasons = decodeList(f[from + 5]).stream().map(i -> unparts(i, 2))
                .map(p -> new DmarcEvaluation.Reason(p[0], p[1])).toList();
        List<DmarcEvaluation.Dkim> dkim = decodeList(f[from + 6]).stream().map(i -> unparts(i, 3))
                .map(p -> new DmarcEvaluation.Dkim(p[1], p[2], p[0])).toList();
        String[] spf = unparts(decode(f[from + 7]), 3);
        return new DmarcCounts.Row(decode(f[from]), decode(f[from + 1]), decode(f[from + 2]), Boolean.parseBoolean(f[from + 3]),
                Boolean.parseBoolean(f[from + 4]), reasons, dkim, new DmarcEvaluation.Spf(spf[2], spf[1], spf[0]));
    }

    private static String parts(String... values) {
        List<String> encoded = new ArrayList<>();
        for (String v : values) {
            encoded.add(encode(v).replace(":", "%3A"));
        }
        return String.join(":", encoded);
    }

    private static String[] unparts(String item, int n) {
        String[] parts = item.split(":", -1);
        if (parts.length != n) {
            throw new IllegalArgumentException("expected " + n + " parts joined by ':' in \"" + item + "\"");
        }
        for (int i = 0; i < n; i++) {
            parts[i] = decode(parts[i]);
        }
        return parts;
    }

    private static final class Parser implements ReportStateFile.Reader<Saved> {
        private final Map<DmarcCounts.Period, DmarcCounts.Entry> entries = new LinkedHashMap<>();
        private Instant flushedAt = Instant.EPOCH;
        private DmarcCounts.Entry entry;

        @Override
        public void accept(String line) {
            String kind = line.split("\t", 2)[0];
            switch (kind) {
                case "flushed" -> flushedAt = Instant.parse(split(line, 2)[1]);
                case "policy" -> {
                    String[] f = split(line, 10);
                    entry = new DmarcCounts.Entry(policy(f, 2));
                    entries.put(new DmarcCounts.Period(Instant.parse(f[1]), entry.published.domain()), entry);
                }
                case "row" -> row(split(line, 10));
                default -> throw new IllegalArgumentException("unknown line kind \"" + kind + "\"");
            }
        }

        private void row(String[] f) {
            if (entry == null) {
                throw new IllegalArgumentException("a row line before any policy line");
            }
            entry.rows.merge(DmarcStore.row(f, 1), count(f[9]), Long::sum);
        }

        @Override
        public Saved result() {
            return new Saved(entries, flushedAt);
        }
    }
}
