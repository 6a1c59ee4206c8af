package org.carrier.filter.ratelimit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.carrier.api.cluster.ClusterFailure;
import org.carrier.api.config.TypedConfig;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.MemorySharedState;
import org.carrier.testing.MutableClock;
import org.junit.jupiter.api.Test;

class RateLimitFilterTest {
    private static final Envelope FROM_SENDER = Envelope.from(MailAddress.parse("a@sender.test"), Map.of());
    private static final Recipient RCPT = Recipient.of(MailAddress.parse("r@here.test"));

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));

    /** Every limit off but the given ones, a 60 s window. */
    private RateLimitFilter filter(Map<String, Object> settings) {
        Map<String, Object> all = new HashMap<>(Map.of("windowSeconds", 60, "messagesPerClient", 0, "recipientsPerClient", 0,
                "messagesPerUser", 0, "recipientsPerUser", 0));
        all.putAll(settings);
        return new RateLimitFilter(clock, config(all), Map.of());
    }

    private static RateLimitFilter.Config config(Map<String, Object> settings) {
        return AnnotationConfig.of(RateLimitFilter.Config.class, settings);
    }

    private static SessionInfo session(String client, String user, boolean relayPermitted) throws Exception {
        return new SessionInfo("t1", "mx", new InetSocketAddress(InetAddress.getByName(client), 40000),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 25), "client.test", true, null, user, relayPermitted);
    }

    private static SessionInfo client(String address) throws Exception {
        return session(address, null, false);
    }

    private static FilterAction mail(RateLimitFilter filter, SessionInfo session) {
        return filter.mailFrom(session, FROM_SENDER, new TransactionState()).action();
    }

    /** How many of {@code tries} messages pass. */
    private static int passing(RateLimitFilter filter, SessionInfo session, Envelope envelope, int tries) {
        int passed = 0;
        for (int i = 0; i < tries; i++) {
            passed += filter.mailFrom(session, envelope, new TransactionState()).action() == FilterAction.CONTINUE ? 1 : 0;
        }
        return passed;
    }

    private RateLimitFilter node(MemorySharedState cluster, Map<String, Object> settings) {
        RateLimitFilter filter = filter(settings);
        filter.sharedState(cluster);
        return filter;
    }

    @Test
    void aLimitHoldsForTheNodesTogetherOnTheClusterState() throws Exception {
        MemorySharedState cluster = new MemorySharedState(clock);
        RateLimitFilter a = node(cluster.node("a"), Map.of("messagesPerClient", 5));
        RateLimitFilter b = node(cluster.node("b"), Map.of("messagesPerClient", 5));
        SessionInfo c = client("192.0.2.1");
        assertEquals(3, passing(a, c, FROM_SENDER, 3));
        assertEquals(2, passing(b, c, FROM_SENDER, 4), "B allows what is left of the limit A counted in");
        assertEquals(0, passing(a, c, FROM_SENDER, 2));
        clock.advance(Duration.ofSeconds(120));
        assertEquals(5, passing(b, c, FROM_SENDER, 7), "two windows later the count is gone at both");
    }

    /** Each shared call is a Redis round trip on a session's thread: one per admitted event, however many limits. */
    @Test
    void anEventOnTheClusterStateIsOneCallAndARefusalIsTakenBack() throws Exception {
        MemorySharedState cluster = new MemorySharedState(clock);
        RateLimitFilter a = node(cluster, Map.of("messagesPerClient", 2, "messagesPerSenderDomain", 10));
        SessionInfo c = client("192.0.2.1");
        assertEquals(2, passing(a, c, FROM_SENDER, 2));
        assertEquals(2, cluster.counterCalls(), "two limits, one call per message");
        assertEquals(0, passing(a, c, FROM_SENDER, 1));
        assertEquals(4, cluster.counterCalls(), "a refusal counts and takes back: two calls");
        RateLimitFilter b = node(cluster.node("b"), Map.of("messagesPerClient", 10, "messagesPerSenderDomain", 3));
        assertEquals(1, passing(b, client("192.0.2.9"), FROM_SENDER, 2),
                "the sender domain counted 2 at A, not the refused third");
    }

    @Test
    void clusterStateFailingOpenCountsOnThisNodeAloneAndRecovers() throws Exception {
        MemorySharedState cluster = new MemorySharedState(clock);
        RateLimitFilter a = node(cluster, Map.of("messagesPerClient", 3));
        SessionInfo c = client("192.0.2.1");
        assertEquals(2, passing(a, c, FROM_SENDER, 2));
        cluster.fail(true);
        assertEquals(3, passing(a, c, FROM_SENDER, 5), "this node's own count, which started at the failure");
        cluster.fail(false);
        assertEquals(1, passing(a, c, FROM_SENDER, 3), "back on the cluster's count of 2");
    }

    @Test
    void clusterStateFailingClosedIsATemporaryFailure() throws Exception {
        MemorySharedState cluster = new MemorySharedState(clock);
        RateLimitFilter a = node(cluster, Map.of("messagesPerClient", 3, "clusterFailure", ClusterFailure.CLOSED));
        cluster.fail(true);
        FilterResult result = a.mailFrom(client("192.0.2.1"), FROM_SENDER, new TransactionState());
        assertEquals("451 4.3.0 Cannot check the rate limits now (cluster state unavailable); try again later", result.reply().toString());
        cluster.fail(false);
        assertEquals(3, passing(a, client("192.0.2.1"), FROM_SENDER, 4), "nothing was counted while it failed");
    }

    @Test
    void messagesOverTheClientLimitAreDeferred() throws Exception {
        RateLimitFilter filter = filter(Map.of("messagesPerClient", 3));
        assertEquals(3, passing(filter, client("192.0.2.1"), FROM_SENDER, 3));
        FilterResult over = filter.mailFrom(client("192.0.2.1"), FROM_SENDER, new TransactionState());
        assertEquals("451 4.7.1 Rate limit exceeded: too many messages from client 192.0.2.1 (at most 3 per 60 s); "
                + "try again later", over.reply().toString());
        assertEquals(FilterAction.CONTINUE, mail(filter, client("192.0.2.2")), "another client has its own count");
    }

    @Test
    void theWindowSlides() throws Exception {
        RateLimitFilter filter = filter(Map.of("messagesPerClient", 3));
        SessionInfo c = client("2001:db8::1");
        assertEquals(3, passing(filter, c, FROM_SENDER, 5));
        assertTrue(filter.mailFrom(c, FROM_SENDER, new TransactionState()).reply().text().contains("from client 2001:db8::1 "));
        clock.advance(Duration.ofSeconds(60));
        assertEquals(0, passing(filter, c, FROM_SENDER, 1), "the last 60 s still hold the 3 messages");
        clock.advance(Duration.ofSeconds(30));
        assertEquals(1, passing(filter, c, FROM_SENDER, 3), "half of them have slid out of the window");
        clock.advance(Duration.ofSeconds(90));
        assertEquals(3, passing(filter, c, FROM_SENDER, 5), "a whole quiet window later, a full allowance");
    }

    @Test
    void recipientsAreCountedAtRcpt() throws Exception {
        RateLimitFilter filter = filter(Map.of("recipientsPerClient", 2));
        SessionInfo c = client("192.0.2.1");
        assertEquals(FilterAction.CONTINUE, mail(filter, c), "messages are not limited");
        assertEquals(FilterAction.CONTINUE, filter.rcptTo(c, FROM_SENDER, RCPT, new TransactionState()).action());
        assertEquals(FilterAction.CONTINUE, filter.rcptTo(c, FROM_SENDER, RCPT, new TransactionState()).action());
        FilterResult third = filter.rcptTo(c, FROM_SENDER, RCPT, new TransactionState());
        assertEquals("451 4.7.1", third.reply().code() + " " + third.reply().enhancedStatus());
        assertTrue(third.reply().text().contains("too many recipients from client 192.0.2.1"), third.reply().text());
    }

    @Test
    void anAuthenticatedUserIsCountedAcrossAddresses() throws Exception {
        RateLimitFilter filter = filter(Map.of("messagesPerUser", 2, "relayPermittedFactor", 0));
        assertEquals(FilterAction.CONTINUE, mail(filter, session("192.0.2.1", "Alice", true)));
        assertEquals(FilterAction.CONTINUE, mail(filter, session("198.51.100.1", "alice", true)));
        FilterResult over = filter.mailFrom(session("203.0.113.1", "alice", true), FROM_SENDER, new TransactionState());
        assertTrue(over.reply().text().contains("too many messages from user alice"), over.reply().text());
        assertEquals(FilterAction.CONTINUE, mail(filter, session("192.0.2.1", "bob", true)));
        assertEquals(5, passing(filter, client("192.0.2.1"), FROM_SENDER, 5), "no user, no user limit");
    }

    @Test
    void aSenderDomainIsCountedAcrossClientsButBouncesAreNot() throws Exception {
        RateLimitFilter filter = filter(Map.of("messagesPerSenderDomain", 2));
        assertEquals(2, passing(filter, client("192.0.2.1"), FROM_SENDER, 1) + passing(filter, client("192.0.2.2"), FROM_SENDER, 1));
        FilterResult over = filter.mailFrom(client("192.0.2.3"), Envelope.from(MailAddress.parse("b@SENDER.test"), Map.of()), new TransactionState());
        assertTrue(over.reply().text().contains("too many messages from sender-domain sender.test"), over.reply().text());
        assertEquals(3, passing(filter, client("192.0.2.3"), Envelope.from(MailAddress.nullSender(), Map.of()), 3));
    }

    @Test
    void relayPermittedSessionsGetTheFactorOrAreExempt() throws Exception {
        RateLimitFilter tenfold = filter(Map.of("messagesPerClient", 2, "relayPermittedFactor", 3));
        assertEquals(6, passing(tenfold, session("127.0.0.1", null, true), FROM_SENDER, 10));
        RateLimitFilter exempt = filter(Map.of("messagesPerClient", 2, "relayPermittedFactor", 0));
        assertEquals(10, passing(exempt, session("127.0.0.1", null, true), FROM_SENDER, 10));
        assertEquals(2, passing(exempt, client("127.0.0.2"), FROM_SENDER, 10));
    }

    @Test
    void disconnectAnswers421AndOtherActionsFollowTheSetting() throws Exception {
        RateLimitFilter closing = filter(Map.of("messagesPerClient", 1, "disconnect", true));
        mail(closing, client("192.0.2.1"));
        FilterResult over = closing.mailFrom(client("192.0.2.1"), FROM_SENDER, new TransactionState());
        assertEquals("421 4.7.0", over.reply().code() + " " + over.reply().enhancedStatus());
        assertTrue(over.disconnect());

        RateLimitFilter rejecting = filter(Map.of("messagesPerClient", 1, "action", PolicyAction.REJECT));
        mail(rejecting, client("192.0.2.1"));
        assertEquals("550 5.7.1", rejecting.mailFrom(client("192.0.2.1"), FROM_SENDER, new TransactionState()).reply().toString().substring(0, 9));

        RateLimitFilter tagging = filter(Map.of("messagesPerClient", 1, "action", PolicyAction.TAG));
        mail(tagging, client("192.0.2.1"));
        FilterResult tagged = tagging.mailFrom(client("192.0.2.1"), FROM_SENDER, new TransactionState());
        assertEquals(FilterAction.CONTINUE, tagged.action());
        assertEquals("X-Carrier-Policy: ratelimit=exceeded messages client=192.0.2.1", tagged.headers().get(0).toString());
    }

    @Test
    void aNewConfigurationAppliesAtOnce() throws Exception {
        RateLimitFilter filter = filter(Map.of("messagesPerClient", 5));
        SessionInfo c = client("192.0.2.1");
        assertEquals(3, passing(filter, c, FROM_SENDER, 3));
        filter.configure(config(Map.of("windowSeconds", 60, "messagesPerClient", 2)), Map.of());
        assertEquals(0, passing(filter, c, FROM_SENDER, 1), "3 sent, the new limit is 2");
        filter.configure(config(Map.of("windowSeconds", 60, "messagesPerClient", 10)), Map.of());
        assertEquals(7, passing(filter, c, FROM_SENDER, 10), "the count so far meets the new limit");
        filter.configure(config(Map.of("windowSeconds", 60, "messagesPerClient", 0)), Map.of());
        assertEquals(10, passing(filter, c, FROM_SENDER, 10), "0 turns the limit off");
    }

    @Test
    void aValueThatIsNotANumberKeepsTheLimitsInForce() throws Exception {
        RateLimitFilter filter = filter(Map.of("messagesPerClient", 2));
        // as SCR hands over a file's "banana": the method throws when called
        filter.configure(TypedConfig.of(RateLimitFilter.Config.class, Map.of("messagesPerClient", "banana")), Map.of());
        assertEquals(2, passing(filter, client("192.0.2.1"), FROM_SENDER, 5), "the limit of 2 is still in force");
    }

    @Test
    void idleKeysAreForgottenAndTheTableIsBounded() {
        SlidingWindows windows = new SlidingWindows(clock, 60_000, 100);
        for (int i = 0; i < 250; i++) {
            windows.admit(java.util.List.of(new SlidingWindows.Limit("client:" + i, 5)));
        }
        assertEquals(100, windows.size(), "the least recently used beyond 100 are forgotten");
        clock.advance(Duration.ofSeconds(120));
        windows.admit(java.util.List.of(new SlidingWindows.Limit("client:new", 5)));
        assertEquals(1, windows.size(), "keys idle for a whole window are swept");
    }
}
