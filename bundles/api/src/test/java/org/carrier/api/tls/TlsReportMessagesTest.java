package org.carrier.api.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.junit.jupiter.api.Test;

class TlsReportMessagesTest {

    @Test
    void aReportsEnvelopeIsMarkedAndOtherMailIsNot() {
        Envelope report = Envelope.from(MailAddress.parse("postmaster@carrier.test"),
                TlsReportMessages.mailParameters("example.com"));
        assertTrue(TlsReportMessages.isReport(report));
        assertEquals("example.com", report.mailParameters().get(TlsReportMessages.MAIL_PARAMETER));
        assertFalse(TlsReportMessages.isReport(Envelope.from(MailAddress.parse("alice@carrier.test"), Map.of("BODY", "8BITMIME"))));
    }
}
