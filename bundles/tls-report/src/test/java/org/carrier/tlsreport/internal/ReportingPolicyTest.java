package org.carrier.tlsreport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;

import org.carrier.api.message.MailAddress;
import org.junit.jupiter.api.Test;

class ReportingPolicyTest {

    @Test
    void severalRuaOfBothKindsInOneRecord() {
        ReportingPolicy policy = ReportingPolicy.of(List.of("v=spf1 -all",
                "v=TLSRPTv1 ; rua=mailto:tlsrpt@example.test , https://reports.example.test/v1/tlsrpt,mailto:a@example.test%2Cb@example.test?subject=x;")).orElseThrow();
        assertEquals(List.of(MailAddress.parse("tlsrpt@example.test"), MailAddress.parse("a@example.test"),
                MailAddress.parse("b@example.test")), policy.mailto(), "a comma inside a mailto: is %2C (RFC 6068)");
        assertEquals(List.of(URI.create("https://reports.example.test/v1/tlsrpt")), policy.https());
        assertTrue(policy.ignored().isEmpty());
    }

    @Test
    void notExactlyOneTlsRptRecordMeansNoPolicy() {
        // RFC 8460 §3: records not starting with v=TLSRPTv1 are discarded; unless one is left, the domain has none
        assertTrue(ReportingPolicy.of(List.of()).isEmpty());
        assertTrue(ReportingPolicy.of(List.of("v=TLSRPTv1; rua=mailto:a@example.test",
                "v=TLSRPTv1; rua=mailto:b@example.test")).isEmpty());
        assertTrue(ReportingPolicy.of(List.of("v=TLSRPTv10; rua=mailto:a@example.test")).isEmpty());
        assertTrue(ReportingPolicy.of(List.of(" v=TLSRPTv1; rua=mailto:a@example.test")).isEmpty());
        assertTrue(ReportingPolicy.of(List.of("v=tlsrptv1; rua=mailto:a@example.test")).isEmpty());
    }

    @Test
    void unusableRuaAreIgnoredAndNamed() {
        ReportingPolicy policy = ReportingPolicy.of(List.of(
                "v=TLSRPTv1;rua=http://plain.example.test/r,mailto:,mailto:not an address,ftp://x")).orElseThrow();
        assertFalse(policy.hasDestinations());
        assertEquals(List.of("http://plain.example.test/r", "mailto:", "mailto:not an address", "ftp://x"), policy.ignored());
        assertFalse(ReportingPolicy.of(List.of("v=TLSRPTv1;")).orElseThrow().hasDestinations(), "no rua at all");
    }
}
