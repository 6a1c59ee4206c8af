package org.carrier.api.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.tls.TlsReportMessages;
import org.junit.jupiter.api.Test;

class ReportMarkTest {
    private static Envelope envelope(Map<String, String> parameters) {
        return new Envelope(MailAddress.parse("reports@carrier.test"), parameters,
                List.of(new Recipient(MailAddress.parse("rua@example.test"), Map.of())));
    }

    @Test
    void eachKindKnowsItsOwnMarkAndAnyMarkIsAReport() {
        Envelope dmarc = envelope(ReportMark.DMARC.mailParameters("example.test"));
        Envelope tls = envelope(TlsReportMessages.mailParameters("example.test"));
        assertTrue(ReportMark.DMARC.isOn(dmarc));
        assertFalse(ReportMark.TLS.isOn(dmarc), "a DMARC report is not delivered despite TLS failures");
        assertTrue(ReportMark.TLS.isOn(tls));
        assertTrue(TlsReportMessages.isReport(tls));
        assertTrue(ReportMark.anyOn(dmarc));
        assertTrue(ReportMark.anyOn(tls));
        assertFalse(ReportMark.anyOn(envelope(Map.of("BODY", "8BITMIME"))));
    }
}
