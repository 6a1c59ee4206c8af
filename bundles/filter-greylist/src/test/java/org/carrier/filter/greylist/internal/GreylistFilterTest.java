package org.carrier.filter.greylist.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.cluster.ClusterFailure;
import org.carrier.api.cluster.SharedState;
import org.carrier.testing.AnnotationConfig;
import org.carrier.testing.MemorySharedState;
import org.carrier.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GreylistFilterTest {
    private static final Duration DELAY = Duration.ofSeconds(300);

    @TempDir
    Path data;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final List<GreylistFilter> started = new ArrayList<>();

    @AfterEach
    void stopFilters() {
        started.forEach(GreylistFilter::stop);
    }

    private GreylistFilter filter(Map<String, Object> settings) {
        GreylistFilter filter = new GreylistFilter(clock, data, AnnotationConfig.of(GreylistFilter.Config.class, settings), Map.of());
        started.add(filter);
        return filter;
    }

    private GreylistFilter filter() {
        return filter(Map.of());
    }

    /** A node of a cluster: its own data folder, the cluster's state. */
    private GreylistFilter node(String name, SharedState shared, Map<String, Object> settings) {
        GreylistFilter filter = new GreylistFilter(clock, data.resolve(name), AnnotationConfig.of(GreylistFilter.Config.class, settings), Map.of());
        filter.sharedState(shared);
        started.add(filter);
        return filter;
    }

    @Test
    void aRetryAtAnotherNodePassesOnTheClusterState() throws Exception {
        MemorySharedState cluster = new MemorySharedState(clock);
        GreylistFilter a = node("a", cluster.node("a"), Map.of("autoAllowAfter", 1));
        GreylistFilter b = node("b", cluster.node("b"), Map.of("autoAllowAfter", 1));
        assertEquals("451 4.7.1 Greylisted, try again in 300 seconds", first(a).reply().toString());
        clock.advance(Duration.ofSeconds(100));
        assertEquals("451 4.7.1 Greylisted, try again in 200 seconds", first(b).reply().toString(), "too early at B too");
        clock.advance(Duration.ofSeconds(200));
        assertEquals(FilterAction.CONTINUE, first(b).action(), "the retry at B passes after the first attempt at A");
        assertEquals(FilterAction.CONTINUE, rcpt(a, "192.0.2.77", "carol@sender.test", "dan@here.test").action(),
                "the client network counted at B is allowed at A");
        a.save();
        assertEquals(0, new GreylistStore(data.resolve("a")).load().size(), "nothing decided in A's own memory");
    }

    @Test
    void clusterStateFailingOpenDecidesFromThisNodesMemoryAndRecovers() throws Exception {
        MemorySharedState cluster = new MemorySharedState(clock);
        GreylistFilter a = node("a", cluster, Map.of());
        cluster.fail(true);
        assertEquals("451 4.7.1 Greylisted, try again in 300 seconds", first(a).reply().toString(), "greylisted from memory");
        clock.advance(DELAY);
        assertEquals(FilterAction.CONTINUE, first(a).action(), "the retry passes on this node's memory");
        cluster.fail(false);
        assertEquals("451 4.7.1 Greylisted, try again in 300 seconds", first(a).reply().toString(),
                "back on the cluster's state, which never saw the triplet");
        assertEquals(1, cluster.size());
    }

    @Test
    void clusterStateFailingClosedIsATemporaryFailure() throws Exception {
        MemorySharedState cluster = new MemorySharedState(clock);
        GreylistFilter a = node("a", cluster, Map.of("clusterFailure", ClusterFailure.CLOSED));
        cluster.fail(true);
        FilterResult result = first(a);
        assertEquals(FilterAction.TEMPFAIL, result.action());
        assertEquals("451 4.3.0 Cannot check the greylist now (cluster state unavailable); try again later", result.reply().toString());
        cluster.fail(false);
        assertEquals("451 4.7.1 Greylisted, try again in 300 seconds", first(a).reply().toString());
    }

    private static FilterResult rcpt(GreylistFilter filter, String client, String sender, String recipient) throws Exception {
        return rcpt(filter, client, sender, recipient, false);
    }

    private static FilterResult rcpt(GreylistFilter filter, String client, String sender, String recipient,
                                     boolean relayPermitted) throws Exception {
        SessionInfo session = new SessionInfo("t1", "mx", new InetSocketAddress(InetAddress.getByName(client), 40000),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 25), "client.test", true, null, null, relayPermitted);
        MailAddress from = sender.isEmpty() ? MailAddress.nullSender() : MailAddress.parse(sender);
        return filter.rcptTo(session, Envelope.from(from, Map.of()), Recipient.of(MailAddress.parse(recipient)), new TransactionState());
    }

    private static FilterResult first(GreylistFilter filter) throws Exception {
        return rcpt(filter, "192.0.2.10", "alice@sender.test", "bob@here.test");
    }

    @Test
    void aNewTripletIsDeferredUntilTheDelayHasPassed() throws Exception {
        GreylistFilter filter = filter();
        assertEquals("451 4.7.1 Greylisted, try again in 300 seconds", first(filter).reply().toString());
        clock.advance(Duration.ofSeconds(100));
        assertEquals("451 4.7.1 Greylisted, try again in 200 seconds", first(filter).reply().toString(), "too early");
        clock.advance(Duration.ofSeconds(200));
        assertEquals(FilterAction.CONTINUE, first(filter).action(), "retried after the delay");
        clock.advance(Duration.ofDays(3));
        assertEquals(FilterAction.CONTINUE, first(filter).action(), "a triplet that passed keeps passing");
    }

    @Test
    void theTripletIsNetworkSenderAndRecipient() throws Exception {
        GreylistFilter filter = filter();
        first(filter);
        clock.advance(DELAY);
        assertEquals(FilterAction.CONTINUE, rcpt(filter, "192.0.2.200", "Alice@Sender.test", "bob@here.test").action(),
                "another server of the same /24 retries; addresses compare without case");
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "192.0.3.10", "alice@sender.test", "bob@here.test").action());
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "192.0.2.10", "carol@sender.test", "bob@here.test").action());
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "192.0.2.10", "alice@sender.test", "dave@here.test").action());
    }

    @Test
    void tagsThatChangePerMessageDoNotMakeANewSender() throws Exception {
        GreylistFilter filter = filter();
        rcpt(filter, "192.0.2.10", "prvs=0123abcd=news@list.test", "bob@here.test");
        rcpt(filter, "192.0.2.10", "bounce-4711-bob=here.test@list.test", "bob@here.test");
        clock.advance(DELAY);
        assertEquals(FilterAction.CONTINUE, rcpt(filter, "192.0.2.10", "prvs=9876fedc=news@list.test", "bob@here.test").action());
        assertEquals(FilterAction.CONTINUE, rcpt(filter, "192.0.2.10", "bounce-4712-bob=here.test@list.test", "bob@here.test").action());
        assertEquals("news@list.test", GreylistKey.senderPattern("prvs=0123abcd=news@list.test"));
        assertEquals("<>", GreylistKey.senderPattern("<>"));
    }

    @Test
    void ipv6ClientsCountPerSlash64AndTheNullSenderIsASender() throws Exception {
        GreylistFilter filter = filter();
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "2001:db8:1:2::25", "", "bob@here.test").action());
        clock.advance(DELAY);
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "2001:db8:1:2::26", "x@sender.test", "bob@here.test").action());
        assertEquals(FilterAction.CONTINUE, rcpt(filter, "2001:db8:1:2:ffff::1", "", "bob@here.test").action());
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "2001:db8:1:3::25", "", "bob@here.test").action());
    }

    @Test
    void aRetryAfterTheWindowStartsOver() throws Exception {
        GreylistFilter filter = filter(Map.of("retryWindowHours", 4));
        first(filter);
        clock.advance(Duration.ofHours(4).plusSeconds(1));
        assertEquals("451 4.7.1 Greylisted, try again in 300 seconds", first(filter).reply().toString());
    }

    @Test
    void passedEntriesExpireAfterQuietDays() throws Exception {
        GreylistFilter filter = filter();
        first(filter);
        clock.advance(DELAY);
        first(filter);
        clock.advance(Duration.ofDays(34));
        assertEquals(FilterAction.CONTINUE, first(filter).action(), "34 quiet days: still known, and seen again now");
        clock.advance(Duration.ofDays(35).plusSeconds(1));
        assertEquals(FilterAction.TEMPFAIL, first(filter).action(), "35 quiet days: forgotten");
    }

    @Test
    void aClientNetworkIsAllowedAfterEnoughPassedRetries() throws Exception {
        GreylistFilter filter = filter(Map.of("autoAllowAfter", 2));
        for (String rcpt : List.of("a@here.test", "b@here.test")) {
            rcpt(filter, "198.51.100.7", "list@sender.test", rcpt);
        }
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "198.51.100.7", "list@sender.test", "c@here.test").action());
        clock.advance(DELAY);
        for (String rcpt : List.of("a@here.test", "b@here.test")) {
            assertEquals(FilterAction.CONTINUE, rcpt(filter, "198.51.100.7", "list@sender.test", rcpt).action());
        }
        assertEquals(FilterAction.CONTINUE, rcpt(filter, "198.51.100.8", "new@other.test", "z@here.test").action(),
                "the network is allowed: a new triplet from it passes at once");
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "198.51.101.8", "new@other.test", "z@here.test").action());
    }

    @Test
    void relayPermittedAndAllowListedClientsAreNotGreylisted() throws Exception {
        GreylistFilter filter = filter(Map.of("allowList", new String[] {"203.0.113.0/24, 10.0.0.0/8"}));
        assertEquals(FilterAction.CONTINUE, rcpt(filter, "203.0.113.9", "a@s.test", "b@here.test").action());
        assertEquals(FilterAction.CONTINUE, rcpt(filter, "192.0.2.9", "a@s.test", "b@here.test", true).action());
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "192.0.2.9", "a@s.test", "b@here.test").action());
    }

    @Test
    void theActionIsASetting() throws Exception {
        FilterResult tagged = first(filter(Map.of("action", PolicyAction.TAG)));
        assertEquals(FilterAction.CONTINUE, tagged.action());
        assertEquals("X-Carrier-Policy: greylist=new network=192.0.2.0/24", tagged.headers().get(0).toString());
    }

    @Test
    void theStateSurvivesARestart() throws Exception {
        GreylistFilter before = filter();
        first(before);
        rcpt(before, "192.0.2.10", "alice@sender.test", "carol@here.test");
        clock.advance(DELAY);
        first(before);
        before.stop();
        started.remove(before);

        clock.advance(Duration.ofSeconds(10));
        GreylistFilter after = filter();
        assertEquals(FilterAction.CONTINUE, first(after).action(), "the passed triplet is remembered");
        assertEquals(FilterAction.CONTINUE, rcpt(after, "192.0.2.10", "alice@sender.test", "carol@here.test").action(),
                "the waiting triplet's first attempt is remembered, so this is its retry");
        assertEquals(FilterAction.TEMPFAIL, rcpt(after, "192.0.2.10", "alice@sender.test", "erin@here.test").action());
    }

    @Test
    void theSavedStateIsForCarriersUserAloneWhateverTheUmask() throws Exception {
        GreylistFilter filter = filter();
        first(filter);
        filter.save();
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(data.resolve(GreylistStore.FILE_NAME))), "client addresses and senders");
    }

    @Test
    void aChangedStateIsSavedEverySyncSeconds() throws Exception {
        GreylistFilter filter = filter(Map.of("syncSeconds", 1));
        first(filter);
        Path file = data.resolve(GreylistStore.FILE_NAME);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.readString(file).contains("alice@sender.test\tbob@here.test"), "saved without a stop");
    }

    @Test
    void aCorruptStateFileIsSetAsideAndTheFilterStartsEmpty() throws Exception {
        Files.writeString(data.resolve(GreylistStore.FILE_NAME), "# carrier greylist 1\n1\t2\tthree\t192.0.2.0/24\n",
                StandardCharsets.UTF_8);
        GreylistFilter filter = filter();
        assertEquals(FilterAction.TEMPFAIL, first(filter).action());
        try (Stream<Path> files = Files.list(data)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith(GreylistStore.FILE_NAME + ".corrupt-")),
                    "the damaged file is kept for a look");
        }
        filter.save();
        assertTrue(Files.readString(data.resolve(GreylistStore.FILE_NAME)).contains("alice@sender.test"),
                "a new state file replaces it");

        Files.writeString(data.resolve(GreylistStore.FILE_NAME), "something else entirely\n", StandardCharsets.UTF_8);
        assertEquals(FilterAction.TEMPFAIL, first(filter()).action(), "a foreign file is no state either");
    }

    @Test
    void theTableKeepsAtMostMaxEntriesForgettingTheLeastRecentlyUsed() throws Exception {
        GreylistFilter filter = filter(Map.of("maxEntries", 100));
        first(filter);
        for (int i = 0; i < 120; i++) {
            rcpt(filter, "192.0.2.10", "alice@sender.test", "user" + i + "@here.test");
        }
        clock.advance(DELAY);
        assertEquals("451 4.7.1 Greylisted, try again in 300 seconds", first(filter).reply().toString(),
                "the oldest triplet was forgotten, so this is a first attempt again");
        assertEquals(FilterAction.CONTINUE, rcpt(filter, "192.0.2.10", "alice@sender.test", "user119@here.test").action());
    }

    @Test
    void aBadFirstConfigurationGreylistsNobodyUntilItIsFixed() throws Exception {
        GreylistFilter filter = filter(Map.of("allowList", new String[] {"mail.example.org"}));
        assertEquals(FilterAction.CONTINUE, first(filter).action(), "no settings to greylist by: the client passes");
        filter.configure(AnnotationConfig.of(GreylistFilter.Config.class, new HashMap<>(Map.of())), Map.of());
        assertEquals(FilterAction.TEMPFAIL, rcpt(filter, "198.51.100.1", "a@s.test", "b@here.test").action(), "fixed: greylisting");
    }

    @Test
    void aValueThatIsNotANumberKeepsThePreviousSettings() throws Exception {
        GreylistFilter filter = filter(Map.of());
        filter.configure(TypedConfig.of(GreylistFilter.Config.class, Map.of("delaySeconds", "banana")), Map.of());
        assertEquals("451 4.7.1 Greylisted, try again in 300 seconds", first(filter).reply().toString(), "the delay in force");
    }

    @Test
    void aBadAllowListKeepsThePreviousSettings() throws Exception {
        GreylistFilter filter = filter(Map.of("allowList", new String[] {"192.0.2.0/24"}));
        Map<String, Object> bad = new HashMap<>(Map.of("allowList", new String[] {"mail.example.org"}, "delaySeconds", 5));
        filter.configure(AnnotationConfig.of(GreylistFilter.Config.class, bad), Map.of());
        assertEquals(FilterAction.CONTINUE, first(filter).action(), "the previous allow list is still in force");
        FilterResult other = rcpt(filter, "198.51.100.1", "a@s.test", "b@here.test");
        assertEquals("451 4.7.1 Greylisted, try again in 300 seconds", other.reply().toString(), "and the previous delay");
    }
}
