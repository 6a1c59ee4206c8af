package org.carrier.tlsreport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyType;
import org.carrier.api.tls.TlsSessionResult;
import org.carrier.testing.MutableClock;
import org.carrier.testing.TlsReportSchema;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

class TlsReportTest {
    private static final Instant DAY = Instant.parse("2026-12-06T00:00:00Z");
    private final MutableClock clock = new MutableClock(DAY.plusSeconds(3600));
    private final TlsResults results = new TlsResults(clock);

    private TlsResults.Period oneDay() {
        for (int i = 0; i < 3; i++) {
            results.record(Results.stsSuccess());
        }
        results.record(Results.stsFailure(TlsFailureType.STARTTLS_NOT_SUPPORTED, "no STARTTLS in the EHLO reply"));
        results.record(Results.stsFailure(TlsFailureType.STARTTLS_NOT_SUPPORTED, "no STARTTLS in the EHLO reply"));
        results.record(Results.stsFailure(TlsFailureType.CERTIFICATE_EXPIRED, null));
        results.record(Results.tlsaSuccess());
        List<TlsResults.Period> periods = results.take(DAY.plusSeconds(86400), false);
        assertEquals(1, periods.size(), "one domain, one day");
        return periods.get(0);
    }

    private TlsReport report(TlsResults.Period period) {
        return new TlsReport("20261206T000000Z.example.test.0a1b2c@carrier.test", "Carrier Test Org",
                "mailto:postmaster@carrier.test", "carrier.test", period);
    }

    @Test
    void theReportMeetsTheSchemaAndCountsEverySession() {
        TlsReport report = report(oneDay());
        String json = report.json();
        assertEquals(List.of(), TlsReportSchema.problems(json), json);

        JsonNode tree = new ObjectMapper().readTree(json);
        assertEquals("Carrier Test Org", tree.get("organization-name").asString());
        assertEquals("2026-12-06T00:00:00Z", tree.get("date-range").get("start-datetime").asString());
        assertEquals("2026-12-07T00:00:00Z", tree.get("date-range").get("end-datetime").asString());
        assertEquals(2, tree.get("policies").size(), "the MTA-STS policy and the TLSA policy of mx2");
        JsonNode sts = policy(tree, "sts");
        assertEquals("example.test", sts.get("policy").get("policy-domain").asString());
        assertEquals(List.of("mx1.example.test", "*.mail.example.test"), strings(sts.get("policy").get("mx-host")));
        assertEquals(Results.STS_POLICY, strings(sts.get("policy").get("policy-string")));
        assertEquals(3, sts.get("summary").get("total-successful-session-count").asLong());
        assertEquals(3, sts.get("summary").get("total-failure-session-count").asLong());
        JsonNode first = sts.get("failure-details").get(0);
        assertEquals("starttls-not-supported", first.get("result-type").asString());
        assertEquals(2, first.get("failed-session-count").asLong());
        assertEquals("127.0.0.1", first.get("sending-mta-ip").asString());
        assertEquals("127.0.0.5", first.get("receiving-ip").asString());
        assertEquals("mx1.example.test", first.get("receiving-mx-hostname").asString());
        assertEquals("no STARTTLS in the EHLO reply", first.get("failure-reason-code").asString());
        assertFalse(sts.get("failure-details").get(1).has("failure-reason-code"), "no reason given, none written");
        JsonNode tlsa = policy(tree, "tlsa");
        assertEquals(List.of("mx2.example.test"), strings(tlsa.get("policy").get("mx-host")));
        assertEquals(1, tlsa.get("summary").get("total-successful-session-count").asLong());
        assertFalse(tlsa.has("failure-details"));
    }

    @Test
    void theSchemaRefusesAReportThatBreaksTheRfc() {
        String good = report(oneDay()).json();
        // the validator is no rubber stamp: a missing summary, a bad result-type and a local time are each caught
        assertFalse(TlsReportSchema.problems(good.replaceFirst("\"summary\":\\{[^}]*\\},", "")).isEmpty());
        assertFalse(TlsReportSchema.problems(good.replace("starttls-not-supported", "starttls-missing")).isEmpty());
        assertFalse(TlsReportSchema.problems(good.replace("2026-12-06T00:00:00Z", "2026-12-06T01:00:00+01:00")).isEmpty());
    }

    @Test
    void theGzipHoldsTheJsonAndTheFileNameIsTheRfcs() throws IOException {
        TlsReport report = report(oneDay());
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(report.gzip()))) {
            assertEquals(report.json(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        // RFC 8460 §5.1: submitter!policy-domain!begin-timestamp!end-timestamp!unique-id.json.gz
        assertEquals("carrier.test!example.test!1796515200!1796601600!20261206T000000Z.example.test.0a1b2c.json.gz",
                report.fileName());
    }

    @Test
    void aDomainWithoutPolicyIsReportedAsNoPolicyFound() {
        results.record(Results.noPolicyFailure("other.test"));
        TlsReport report = report(results.take(DAY.plusSeconds(86400), false).get(0));
        String json = report.json();
        assertEquals(List.of(), TlsReportSchema.problems(json), json);
        JsonNode policy = new ObjectMapper().readTree(json).get("policies").get(0);
        assertEquals("no-policy-found", policy.get("policy").get("policy-type").asString());
        assertFalse(policy.get("policy").has("mx-host"));
        assertEquals(1, policy.get("summary").get("total-failure-session-count").asLong());
        assertTrue(policy.get("failure-details").get(0).has("receiving-mx-hostname"));
    }

    /** The MTA-STS source reports a policy it could not fetch with no MX host (none was tried) and no addresses. */
    @Test
    void aPolicyFetchFailureNamesNoMxHost() {
        results.record(TlsSessionResult.failure("fetch.test", TlsPolicyType.STS, List.of(), "", null, null,
                TlsFailureType.STS_POLICY_FETCH_ERROR, "https://mta-sts.fetch.test/.well-known/mta-sts.txt: connection refused"));
        String json = report(results.take(DAY.plusSeconds(86400), false).get(0)).json();
        assertEquals(List.of(), TlsReportSchema.problems(json), json);
        JsonNode failure = new ObjectMapper().readTree(json).get("policies").get(0).get("failure-details").get(0);
        assertEquals("sts-policy-fetch-error", failure.get("result-type").asString());
        assertFalse(failure.has("receiving-mx-hostname"), json);
        assertFalse(failure.has("receiving-ip"), json);
    }

    private static JsonNode policy(JsonNode report, String type) {
        for (JsonNode p : report.get("policies")) {
            if (p.get("policy").get("policy-type").asString().equals(type)) {
                return p;
            }
        }
        throw new AssertionError("no " + type + " policy in " + report);
    }

    private static List<String> strings(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asString).toList();
    }
}
