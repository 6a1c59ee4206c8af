package org.carrier.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.route.Destination;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.TransportOptions;
import org.carrier.api.transport.Outcome;
import org.carrier.api.transport.RecipientOutcome;
import org.junit.jupiter.api.Test;

class ApiModelTest {

    @Test
    void addressSplitsAtLastAtAndLowercasesDomainOnly() {
        MailAddress a = MailAddress.parse("\"John@Home\"@Example.COM");
        assertEquals("\"John@Home\"", a.localPart());
        assertEquals("example.com", a.domain());
        assertEquals(MailAddress.parse("\"John@Home\"@example.com"), a);
        assertThrows(IllegalArgumentException.class, () -> MailAddress.parse("nodomain"));
        assertThrows(IllegalArgumentException.class, () -> MailAddress.parse("user@"));
        assertTrue(MailAddress.nullSender().isNullSender());
        assertEquals("", MailAddress.nullSender().toString());
    }

    @Test
    void replyParsingSplitsEnhancedStatusOnlyWhenClassMatches() {
        SmtpReply r = SmtpReply.parse(550, "5.1.1 No such user");
        assertEquals("5.1.1", r.enhancedStatus());
        assertEquals("No such user", r.text());
        SmtpReply mismatch = SmtpReply.parse(250, "5.1.1 odd");
        assertNull(mismatch.enhancedStatus());
        assertEquals("550 5.1.1 No such user", r.toString());
        assertTrue(SmtpReply.parse(451, "later").isTransient());
        assertThrows(IllegalArgumentException.class, () -> new SmtpReply(199, null, ""));
    }

    @Test
    void filterResultsAreImmutableAndCheckTheirReplyClass() {
        FilterResult base = FilterResult.reject(554, "5.7.1", "no");
        FilterResult tagged = base.withHeader("X-Test", "1").andDisconnect();
        assertTrue(base.headers().isEmpty());
        assertFalse(base.disconnect());
        assertEquals(FilterAction.REJECT, tagged.action());
        assertEquals(List.of("X-Test: 1"), tagged.headers().stream().map(Object::toString).toList());
        assertThrows(IllegalArgumentException.class, () -> FilterResult.tempfail(550, "5.0.0", "wrong class"));
        assertThrows(IllegalArgumentException.class, () -> FilterResult.reject(451, "4.0.0", "wrong class"));
    }

    @Test
    void nextHopParsesHostPortIpv6AndDefault() {
        assertEquals(new NextHop("relay.test", 2526), NextHop.parse("relay.test:2526", 25));
        assertEquals(new NextHop("relay.test", 25), NextHop.parse(" relay.test ", 25));
        assertEquals(new NextHop("::1", 2526), NextHop.parse("[::1]:2526", 25));
        assertEquals("[::1]:2526", NextHop.parse("[::1]:2526", 25).toString());
        assertThrows(IllegalArgumentException.class, () -> NextHop.parse("host:port", 25));
        assertThrows(IllegalArgumentException.class, () -> NextHop.parse("host:70000", 25));
    }

    @Test
    void envelopeGrowsByCopy() {
        Envelope e = Envelope.from(MailAddress.parse("a@b.test"), Map.of("SIZE", "10"));
        Envelope more = e.withRecipient(Recipient.of(MailAddress.parse("c@d.test")));
        assertTrue(e.recipients().isEmpty());
        assertEquals(1, more.recipients().size());
    }

    @Test
    void decisionsAndOutcomesAreConsistent() {
        assertThrows(IllegalArgumentException.class,
                () -> new RouteDecision("r", Destination.REMOTE, null, List.of(), TransportOptions.DEFAULT, null));
        Recipient r = Recipient.of(MailAddress.parse("x@y.test"));
        assertEquals(Outcome.DEFERRED, RecipientOutcome.of(r, SmtpReply.parse(452, "4.2.2 full"), "h").outcome());
        assertEquals(Outcome.FAILED, RecipientOutcome.of(r, SmtpReply.parse(550, "5.1.1 no"), "h").outcome());
        assertEquals(Outcome.DELIVERED, RecipientOutcome.of(r, SmtpReply.parse(250, "ok"), "h").outcome());
    }

    @Test
    void notifyConditionsFollowRfc3461() {
        MailAddress a = MailAddress.parse("x@y.test");
        assertEquals(Set.of("FAILURE", "DELAY"), Recipient.of(a).notifyConditions(), "no NOTIFY: failures and delays");
        assertEquals(Set.of(), new Recipient(a, Map.of("NOTIFY", "NEVER")).notifyConditions());
        assertEquals(Set.of("SUCCESS", "FAILURE"), new Recipient(a, Map.of("NOTIFY", "success,Failure")).notifyConditions());
    }

    @Test
    void authResultPrintsRfc8601ResinfoAndQuotesValuesThatNeedIt() {
        AuthResult spf = AuthResult.of("spf", "pass", "smtp.mailfrom=sender@example.com");
        assertEquals("spf=pass smtp.mailfrom=sender@example.com", spf.toString());
        AuthResult dkim = AuthResult.of("dkim", "fail", "header.d=example.com", "header.b=ab/c+d=").withReason("bad \"sig\"");
        assertEquals("dkim=fail reason=\"bad \\\"sig\\\"\" header.d=example.com header.b=\"ab/c+d=\"", dkim.toString());
        assertEquals("example.com", dkim.property("header.d").orElseThrow());
        assertTrue(dkim.property("header.s").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> AuthResult.of("SPF", "pass"));
        assertThrows(IllegalArgumentException.class, () -> AuthResult.of("spf", "pass", "mailfrom"));
        assertThrows(IllegalArgumentException.class, () -> AuthResult.of("spf", "pass", "smtp.mailfrom=a\r\nX: y"));
    }

    @Test
    void filterResultCarriesAuthResultsThroughItsOtherChanges() {
        AuthResult spf = AuthResult.of("spf", "fail", "smtp.mailfrom=example.com");
        FilterResult r = FilterResult.proceed().withAuthResult(spf).withHeader("Received-SPF", "fail").andDisconnect();
        assertEquals(List.of(spf), r.authResults());
        assertEquals(1, r.headers().size());
        assertTrue(FilterResult.proceed().authResults().isEmpty());
    }

    @Test
    void policyActionsMapToFilterResults() {
        SmtpReply refusal = new SmtpReply(550, "5.7.23", "SPF fail");
        HeaderField tag = new HeaderField("X-Carrier-Policy", "spf=fail");
        assertEquals(FilterAction.CONTINUE, PolicyAction.ACCEPT.apply(refusal, tag).action());
        assertTrue(PolicyAction.ACCEPT.apply(refusal, tag).headers().isEmpty());
        assertEquals(refusal, PolicyAction.REJECT.apply(refusal, tag).reply());
        assertEquals(new SmtpReply(451, "4.7.23", "SPF fail"), PolicyAction.TEMPFAIL.apply(refusal, tag).reply());
        assertEquals(FilterAction.HOLD, PolicyAction.HOLD.apply(refusal, tag).action());
        assertEquals(List.of(tag), PolicyAction.HOLD.apply(refusal, tag).headers());
        FilterResult tagged = PolicyAction.TAG.apply(refusal, tag);
        assertEquals(FilterAction.CONTINUE, tagged.action());
        assertEquals(List.of(tag), tagged.headers());
        assertTrue(PolicyAction.TAG.apply(refusal, null).headers().isEmpty());
    }
}
