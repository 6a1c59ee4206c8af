package org.carrier.mtasts.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.carrier.api.tls.MtaStsMode;
import org.carrier.api.tls.MtaStsPolicy;
import org.junit.jupiter.api.Test;

/** The TXT record (RFC 8461 §3.1) and the policy file (§3.2) as the RFC writes them, and what it refuses. */
class PolicyTextTest {
    private static final Instant NOW = Instant.parse("2026-12-07T00:00:00Z");

    private static MtaStsPolicy parse(String text) throws PolicyText.Invalid {
        return PolicyText.parse("example.com", "1", NOW, text);
    }

    @Test
    void thePolicyOfTheRfcsExample() throws Exception {
        MtaStsPolicy policy = parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
                + "mx: backupmx.example.com\r\nmax_age: 604800\r\n");
        assertEquals(MtaStsMode.ENFORCE, policy.mode());
        assertEquals(List.of("mail.example.com", "*.example.net", "backupmx.example.com"), policy.mx());
        assertEquals(Duration.ofDays(7), policy.maxAge());
    }

    @Test
    void unknownFieldsAreIgnoredAndARepeatedFieldCountsOnce() throws Exception {
        MtaStsPolicy policy = parse("version: STSv1\nmode:testing\nmode: enforce\nfuture_field: x y\nmx: mx.example.com\nmax_age:\t86400  \n");
        assertEquals(MtaStsMode.TESTING, policy.mode());
        assertEquals(Duration.ofDays(1), policy.maxAge());
    }

    @Test
    void modeNoneNeedsNoMx() throws Exception {
        assertEquals(MtaStsMode.NONE, parse("version: STSv1\nmode: none\nmax_age: 86400\n").mode());
    }

    @Test
    void whatIsNotAPolicyIsRefusedSayingWhy() {
        String mx = "mx: mx.example.com\n";
        assertReason("no version", "mode: enforce\n" + mx + "max_age: 1\n");
        assertReason("version \"STSv2\" is not STSv1", "version: STSv2\nmode: enforce\n" + mx + "max_age: 1\n");
        assertReason("mode \"enforcing\"", "version: STSv1\nmode: enforcing\n" + mx + "max_age: 1\n");
        assertReason("max_age \"31557601\"", "version: STSv1\nmode: enforce\n" + mx + "max_age: 31557601\n");
        assertReason("max_age \"-1\"", "version: STSv1\nmode: enforce\n" + mx + "max_age: -1\n");
        assertReason("no max_age", "version: STSv1\nmode: enforce\n" + mx);
        assertReason("no mx in a policy of mode testing", "version: STSv1\nmode: testing\nmax_age: 1\n");
        assertReason("mx \"mx.exa mple.com\"", "version: STSv1\nmode: enforce\nmx: mx.exa mple.com\nmax_age: 1\n");
        assertReason("mx \"mx.*.example.com\"", "version: STSv1\nmode: enforce\nmx: mx.*.example.com\nmax_age: 1\n");
        assertReason("line 2 is not \"key: value\"", "version: STSv1\n<html>\n");
    }

    private static void assertReason(String expected, String text) {
        PolicyText.Invalid e = assertThrows(PolicyText.Invalid.class, () -> parse(text));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void theTxtRecordsId() throws Exception {
        assertEquals(Optional.of("20160831085700Z"), StsRecord.id(List.of("v=STSv1; id=20160831085700Z;")));
        assertEquals(Optional.of("abc"), StsRecord.id(List.of("v=spf1 -all", "v=STSv1;id=abc; ext_1=v.a-lue")));
        assertEquals(Optional.of("a"), StsRecord.id(List.of("v=STSv1; id=a; id=b")));
        assertEquals(Optional.empty(), StsRecord.id(List.of("v=spf1 -all", "id=1; v=STSv1;")), "v=STSv1 must come first");
        assertEquals(Optional.empty(), StsRecord.id(List.of()));
    }

    @Test
    void aBadTxtRecordIsRefusedSayingWhy() {
        assertTxtReason("is not 1 to 32 letters and digits", "v=STSv1; id=" + "1".repeat(33) + ";");
        assertTxtReason("is not 1 to 32 letters and digits", "v=STSv1; id=;");
        assertTxtReason("is not 1 to 32 letters and digits", "v=STSv1; id=2016-08-31;");
        assertTxtReason("no id", "v=STSv1;");
        assertTxtReason("is not name=value", "v=STSv1; id=1; junk");
        assertTxtReason("2 MTA-STS TXT records", "v=STSv1; id=1;", "v=STSv1; id=2;");
    }

    private static void assertTxtReason(String expected, String... records) {
        StsRecord.Invalid e = assertThrows(StsRecord.Invalid.class, () -> StsRecord.id(List.of(records)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aDomainIsItsLowerCaseALabels() {
        assertEquals(Optional.of("xn--bcher-kva.example"), MtaStsSource.normalized("Bücher.Example."));
        assertEquals(Optional.empty(), MtaStsSource.normalized("[192.0.2.1]"));
        assertEquals(Optional.empty(), MtaStsSource.normalized("../../etc"));
        assertEquals(Optional.empty(), MtaStsSource.normalized("localhost"));
    }
}
