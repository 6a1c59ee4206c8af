package org.carrier.api.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.carrier.api.transport.MessageSource;
import org.junit.jupiter.api.Test;

/** The one header parser: fields with their folding for signers, unfolded values for the queue and the transports. */
class HeaderScanTest {
    private static final String MESSAGE = "Received: from a\r\n\tby b\r\nTLS-Required: No\r\nnot a field\r\n"
            + "From : x@y.test\r\nreceived: from c\r\n\r\nReceived: in the body\r\n";

    private static InputStream in(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void fieldsKeepTheirFoldingAndLeaveOutWhatIsNoField() throws IOException {
        assertEquals(List.of(new HeaderField("Received", "from a\r\n\tby b"), new HeaderField("TLS-Required", "No"),
                new HeaderField("received", "from c")), HeaderScan.fields(in(MESSAGE)));
    }

    @Test
    void valuesAreUnfoldedTrimmedAndMatchedWithoutRegardToCase() throws IOException {
        assertEquals(List.of("from a\tby b", "from c"), HeaderScan.values(in(MESSAGE), "RECEIVED"));
        assertEquals(2, HeaderScan.count(in(MESSAGE), "Received"), "the body's line is not a field");
        assertEquals(List.of(), HeaderScan.values(in(MESSAGE), "From"), "\"From :\" is not a field name (RFC 5322 §3.6.8)");
    }

    @Test
    void aMessageWithoutAnEmptyLineIsAllHeaderAndBareLineFeedsEndLines() throws IOException {
        assertEquals(List.of("1", "2 3"), HeaderScan.values(in("X-A: 1\nX-A: 2\n 3"), "x-a"));
    }

    @Test
    void aHeaderLongerThanTheLimitIsCutThereEvenInOneEndlessLine() throws IOException {
        String endless = "X-Before: kept\r\nX-Long: " + "a".repeat(HeaderScan.MAX_HEADER_BYTES + 1000);
        int[] consumed = {0};
        InputStream counting = new java.io.FilterInputStream(in(endless)) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                consumed[0] += b < 0 ? 0 : 1;
                return b;
            }
        };
        assertEquals(List.of(new HeaderField("X-Before", "kept")), HeaderScan.fields(counting),
                "the field that crosses the limit is left out");
        assertTrue(consumed[0] <= HeaderScan.MAX_HEADER_BYTES + 1, "read no further than the limit: " + consumed[0]);
    }

    @Test
    void aSourceGivesItsHeaderFields() throws IOException {
        MessageSource source = MessageSource.of(MESSAGE.getBytes(StandardCharsets.UTF_8));
        assertEquals(HeaderScan.fields(in(MESSAGE)), source.headerFields());
        assertEquals(List.of("No"), HeaderScan.values(source.headerFields(), "tls-required"));
    }
}
