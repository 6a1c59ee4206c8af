package org.carrier.admin.internal.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.message.MailAddress;
import org.junit.jupiter.api.Test;

class InjectionTest {
    private static final ZonedDateTime NOW = ZonedDateTime.of(2026, 12, 7, 9, 0, 0, 0, ZoneOffset.UTC);

    private static Map<String, Object> body(Object sender, Object recipients, Object content) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sender", sender);
        body.put("recipients", recipients);
        body.put("content", content);
        return body;
    }

    private static String refusal(Map<String, Object> body) {
        ApiError e = assertThrows(ApiError.class, () -> Injection.parse(body, "mx.example.org", NOW));
        assertEquals(400, e.status());
        return e.getMessage();
    }

    @Test
    void aMessageGetsCrlfLineEndsAndTheDateAndMessageIdItLacks() {
        Injection i = Injection.parse(body("app@example.org", List.of("bob@example.com", "bob@example.com"),
                "From: app@example.org\nSubject: hi\n\nbody\n"), "mx.example.org", NOW);
        assertEquals(MailAddress.parse("app@example.org"), i.sender());
        assertEquals(List.of(MailAddress.parse("bob@example.com")), i.recipients(), "once each");
        assertEquals("From: app@example.org\r\nSubject: hi\r\n\r\nbody\r\n", new String(i.content(), StandardCharsets.UTF_8));
        assertEquals("Date", i.prepended().get(0).name());
        assertEquals("Mon, 7 Dec 2026 09:00:00 +0000", i.prepended().get(0).value());
        assertEquals("Message-ID", i.prepended().get(1).name());

        Injection complete = Injection.parse(body("", List.of("bob@example.com"),
                "From: a@b.example\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\nMessage-Id: <1@b.example>\r\n\r\nx"), "h", NOW);
        assertEquals(List.of(), complete.prepended());
        assertEquals(MailAddress.nullSender(), complete.sender());
    }

    @Test
    void badInputIsRefusedNamingWhatIsWrong() {
        String content = "From: a@b.example\r\n\r\nx";
        assertEquals("recipients: bad local part in <bob smith@example.com>: bob smith@example.com",
                refusal(body("a@b.example", List.of("bob smith@example.com"), content)));
        assertEquals("sender: bad domain in <a@-b.example>: a@-b.example", refusal(body("a@-b.example", List.of("c@d.example"), content)));
        assertEquals("recipients: the address must be of the form local-part@domain: bob",
                refusal(body("a@b.example", List.of("bob"), content)));
        assertEquals("recipients: a list of 1 to 1000 addresses is required", refusal(body("a@b.example", List.of(), content)));
        assertEquals("content: the message has no From field (RFC 5322 §3.6: it is required)",
                refusal(body("a@b.example", List.of("c@d.example"), "Subject: x\r\n\r\nbody")));
        assertEquals("content: not a header field (RFC 5322 §2.2: name, colon, body): just text",
                refusal(body("a@b.example", List.of("c@d.example"), "just text")));
        Map<String, Object> extra = body("a@b.example", List.of("c@d.example"), content);
        extra.put("bcc", "x");
        assertEquals("unknown field \"bcc\"; a message has sender, recipients and content", refusal(extra));
    }
}
