package org.carrier.tlsreport.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.report.Gzip;
import org.carrier.api.text.Json;

/**
 * One aggregate report (RFC 8460 §4): a policy domain's results over one period, as the JSON of §4.4, gzipped for
 * sending (§5.1, {@code application/tlsrpt+gzip}).
 *
 * @param reportId         {@code report-id}, unique
 * @param organizationName {@code organization-name}: who sends the report
 * @param contactInfo      {@code contact-info}: where to write about it (an address, or a web page)
 * @param submitter        the reporting domain, for the file name and the message's header fields (§5.1, §5.3)
 */
record TlsReport(String reportId, String organizationName, String contactInfo, String submitter, TlsResults.Period period) {
    static final String MEDIA_TYPE = "application/tlsrpt+gzip";

    String domain() {
        return period.domain();
    }

    /** The report's JSON (RFC 8460 §4.4), its fields in the RFC's order. */
    String json() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("organization-name", organizationName);
        Map<String, Object> range = new LinkedHashMap<>();
        range.put("start-datetime", period.start().toString()); // RFC 3339 date-time in UTC (§4.4)
        range.put("end-datetime", period.end().toString());
        report.put("date-range", range);
        report.put("contact-info", contactInfo);
        report.put("report-id", reportId);
        List<Object> policies = new ArrayList<>();
        period.policies().forEach((key, totals) -> policies.add(policy(key, totals)));
        report.put("policies", policies);
        return Json.write(report);
    }

    private static Map<String, Object> policy(PolicyKey key, PolicyTotals totals) {
        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("policy-type", key.type().wireName());
        if (!key.strings().isEmpty()) {
            policy.put("policy-string", key.strings());
        }
        policy.put("policy-domain", key.domain());
        if (!key.mxHosts().isEmpty()) {
            // a list, as RFC 8460 §4.4 says and erratum 6241 corrected its example to
            policy.put("mx-host", key.mxHosts());
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("total-successful-session-count", totals.successes());
        summary.put("total-failure-session-count", totals.failureCount());
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("policy", policy);
        entry.put("summary", summary);
        List<Object> details = new ArrayList<>();
        totals.failures().entrySet().stream()
                .sorted(Map.Entry.<FailureKey, Long>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> details.add(failure(e.getKey(), e.getValue())));
        if (!details.isEmpty()) {
            entry.put("failure-details", details);
        }
        return entry;
    }

    private static Map<String, Object> failure(FailureKey key, long count) {
        Map<String, Object> failure = new LinkedHashMap<>();
        failure.put("result-type", key.type().wireName());
        putPresent(failure, "sending-mta-ip", key.sendingIp());
        putPresent(failure, "receiving-mx-hostname", key.receivingMx());
        putPresent(failure, "receiving-ip", key.receivingIp());
        failure.put("failed-session-count", count);
        putPresent(failure, "failure-reason-code", key.reason());
        return failure;
    }

    private static void putPresent(Map<String, Object> map, String name, String value) {
        if (value != null) {
            map.put(name, value);
        }
    }

    /** The JSON, gzipped (RFC 8460 §5.1). */
    byte[] gzip() {
        return Gzip.compress(json().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * RFC 8460 §5.1: {@code submitter!policy-domain!begin-timestamp!end-timestamp!unique-id.json.gz}, the timestamps
     * in seconds since the epoch.
     */
    String fileName() {
        String unique = reportId.substring(0, reportId.indexOf('@') < 0 ? reportId.length() : reportId.indexOf('@'));
        return submitter + "!" + domain() + "!" + period.start().getEpochSecond() + "!" + period.end().getEpochSecond()
                + "!" + unique.replaceAll("[^A-Za-z0-9.-]", "-") + ".json.gz";
    }
}
