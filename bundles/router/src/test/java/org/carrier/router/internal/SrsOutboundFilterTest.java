package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.outbound.OutboundMessage;
import org.carrier.api.transport.MessageSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which senders the outbound stage rewrites: forwarded mail from other domains only. */
class SrsOutboundFilterTest {
    @TempDir
    Path dir;

    private SrsOutboundFilter filter(Object... keyValues) {
        Map<String, Object> p = new HashMap<>(Map.of("service.pid", SenderRewriting.PID, "secret", "s3cret"));
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put((String) keyValues[i], keyValues[i + 1]);
        }
        SenderRewriting rewriting = new SenderRewriting(dir, Clock.systemUTC(), TypedConfig.of(SenderRewriting.Config.class, p), p);
        Set<String> ours = Set.of("forwarder.test", "other-ours.test");
        return new SrsOutboundFilter(rewriting, ours::contains);
    }

    private static OutboundMessage message(String sender, List<String> forwardedBy) {
        MailAddress reversePath = sender.isEmpty() ? MailAddress.nullSender() : MailAddress.parse(sender);
        Envelope envelope = new Envelope(reversePath, Map.of(), List.of(Recipient.of(MailAddress.parse("bob@dest.example"))));
        return new OutboundMessage() {
            public String queueId() {
                return "Q1";
            }

            public Envelope envelope() {
                return envelope;
            }

            public MessageSource content() {
                throw new UnsupportedOperationException("SRS does not read the content");
            }

            public List<HeaderField> header() {
                return List.of();
            }

            public boolean submittedHere() {
                return false;
            }

            public boolean eightBit() {
                return false;
            }

            public boolean forwarded() {
                return !forwardedBy.isEmpty();
            }

            public List<String> forwardedBy() {
                return forwardedBy;
            }
        };
    }

    private static String rewritten(SrsOutboundFilter filter, String sender, String... forwardedBy) {
        MailAddress path = filter.filter(message(sender, List.of(forwardedBy))).reversePath();
        return path == null ? null : path.toString();
    }

    @Test
    void forwardedMailFromAnotherDomainLeavesWithAnSrs0SenderAtTheAliasDomain() {
        String sent = rewritten(filter(), "alice@orig.example", "fwd@other-ours.test");
        assertTrue(sent.matches("SRS0=[A-Za-z0-9+/]{4}=[A-Z2-7]{2}=orig\\.example=alice@other-ours\\.test"), sent);
    }

    @Test
    void theForwardingDomainSettingWins() {
        assertTrue(rewritten(filter("forwardingDomain", "srs.forwarder.test"), "alice@orig.example", "fwd@forwarder.test")
                .endsWith("=orig.example=alice@srs.forwarder.test"));
    }

    @Test
    void anSrs0OfAnotherForwarderBecomesSrs1() {
        String sent = rewritten(filter(), "SRS0=abcd=AB=orig.example=alice@first.example", "fwd@forwarder.test");
        assertTrue(sent.matches("SRS1=[A-Za-z0-9+/]{4}=first\\.example==abcd=AB=orig\\.example=alice@forwarder\\.test"), sent);
    }

    @Test
    void notRewritten() {
        SrsOutboundFilter filter = filter("excludedDomains", "partner.example");
        assertNull(rewritten(filter, "alice@orig.example"), "not forwarded: sent by its sender to this recipient");
        assertNull(rewritten(filter, "", "fwd@forwarder.test"), "a bounce keeps its null sender");
        assertNull(rewritten(filter, "carol@forwarder.test", "fwd@forwarder.test"), "our own sender: our SPF names us");
        assertNull(rewritten(filter, "carol@OTHER-OURS.test", "fwd@forwarder.test"), "any of our domains");
        assertNull(rewritten(filter, "dan@partner.example", "fwd@forwarder.test"), "excluded");
        assertNull(rewritten(filter, "\"a b\"@orig.example", "fwd@forwarder.test"), "a quoted local part");
        assertNull(rewritten(filter("enabled", false), "alice@orig.example", "fwd@forwarder.test"), "SRS off");
        assertEquals(null, filter.filter(message("alice@orig.example", List.of())).reversePath());
    }
}
