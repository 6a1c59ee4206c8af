package org.carrier.filter.dmarc.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import org.carrier.api.dmarc.DmarcEvaluation;
import org.carrier.api.report.Gzip;

/**
 * One aggregate report (RFC 7489 §7.2): a policy domain's evaluations over one period as the XML of Appendix C,
 * without a namespace as receivers send it, gzipped, with the file name of §7.2.1.1.
 *
 * @param orgName   {@code report_metadata/org_name}
 * @param email     {@code report_metadata/email}
 * @param submitter the reporting domain ("receiver" in the file name, Submitter in the subject)
 * @param end       exclusive
 */
record AggregateReport(String reportId, String orgName, String email, String submitter, String domain, Instant begin,
                       Instant end, DmarcEvaluation.Published published, Map<DmarcCounts.Row, Long> rows) {
    static final String MEDIA_TYPE = "application/gzip";
    private static final Set<String> DKIM_RESULTS = Set.of("none", "pass", "fail", "policy", "neutral", "temperror", "permerror");
    private static final Set<String> SPF_RESULTS = Set.of("none", "neutral", "pass", "fail", "softfail", "temperror", "permerror");
    private static final Set<String> REASONS = Set.of("forwarded", "sampled_out", "trusted_forwarder", "mailing_list",
            "local_policy", "other");

    long messages() {
        return rows.values().stream().mapToLong(Long::longValue).sum();
    }

    String xml() {
        StringBuilder x = new StringBuilder(1024 + rows.size() * 512);
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <version>1.0</version>\n");
        x.append("  <report_metadata>\n");
        element(x, 4, "org_name", orgName);
        element(x, 4, "email", email);
        element(x, 4, "report_id", reportId);
        x.append("    <date_range>\n");
        element(x, 6, "begin", Long.toString(begin.getEpochSecond()));
        // the last second covered: end is exclusive, the report's end inclusive (§7.2.1.1: whole days)
        element(x, 6, "end", Long.toString(end.getEpochSecond() - 1));
        x.append("    </date_range>\n  </report_metadata>\n  <policy_published>\n");
        element(x, 4, "domain", published.domain());
        element(x, 4, "adkim", published.strictDkim() ? "s" : "r");
        element(x, 4, "aspf", published.strictSpf() ? "s" : "r");
        element(x, 4, "p", published.p());
        element(x, 4, "sp", published.sp());
        element(x, 4, "pct", Integer.toString(published.pct()));
        element(x, 4, "fo", published.fo());
        x.append("  </policy_published>\n");
        rows.forEach((row, count) -> record(x, row, count));
        x.append("</feedback>\n");
        return x.toString();
    }

    private static void record(StringBuilder x, DmarcCounts.Row row, long count) {
        x.append("  <record>\n    <row>\n");
        element(x, 6, "source_ip", row.sourceIp());
        element(x, 6, "count", Long.toString(count));
        x.append("      <policy_evaluated>\n");
        element(x, 8, "disposition", row.disposition());
        element(x, 8, "dkim", row.dkimAligned() ? "pass" : "fail");
        element(x, 8, "spf", row.spfAligned() ? "pass" : "fail");
        for (DmarcEvaluation.Reason reason : row.reasons()) {
            x.append("        <reason>\n");
            element(x, 10, "type", REASONS.contains(reason.type()) ? reason.type() : "other");
            if (reason.comment() != null) {
                element(x, 10, "comment", reason.comment());
            }
            x.append("        </reason>\n");
        }
        x.append("      </policy_evaluated>\n    </row>\n    <identifiers>\n");
        element(x, 6, "header_from", row.headerFrom());
        x.append("    </identifiers>\n    <auth_results>\n");
        for (DmarcEvaluation.Dkim dkim : row.dkim()) {
            x.append("      <dkim>\n");
            element(x, 8, "domain", dkim.domain());
            if (dkim.selector() != null) {
                element(x, 8, "selector", dkim.selector());
            }
            known(x, DKIM_RESULTS, dkim.result());
            x.append("      </dkim>\n");
        }
        x.append("      <spf>\n");
        element(x, 8, "domain", row.spf().domain());
        element(x, 8, "scope", row.spf().scope());
        known(x, SPF_RESULTS, row.spf().result());
        x.append("      </spf>\n    </auth_results>\n  </record>\n");
    }

    /** A result the schema does not list (a verifier's own word) is reported as neutral, the word kept as human_result. */
    private static void known(StringBuilder x, Set<String> allowed, String result) {
        if (allowed.contains(result)) {
            element(x, 8, "result", result);
        } else {
            element(x, 8, "result", "neutral");
            element(x, 8, "human_result", result);
        }
    }

    private static void element(StringBuilder x, int indent, String name, String value) {
        x.append(" ".repeat(indent)).append('<').append(name).append('>').append(escaped(value)).append("</")
                .append(name).append(">\n");
    }

    private static String escaped(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> out.append(c < 0x20 && c != '\t' ? '?' : c); // control characters are not XML 1.0
            }
        }
        return out.toString();
    }

    byte[] gzip() {
        return Gzip.compress(xml().getBytes(StandardCharsets.UTF_8));
    }

    /** RFC 7489 §7.2.1.1: {@code receiver "!" policy-domain "!" begin-timestamp "!" end-timestamp ".xml.gz"}. */
    String fileName() {
        return submitter + "!" + domain + "!" + begin.getEpochSecond() + "!" + (end.getEpochSecond() - 1) + ".xml.gz";
    }
}
