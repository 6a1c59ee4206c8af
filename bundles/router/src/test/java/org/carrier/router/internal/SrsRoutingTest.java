package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.config.TypedConfig;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.route.Destination;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.route.Router;
import org.carrier.testing.AnnotationConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router with SRS: an SRS address at our domain is routed to the sender it stands for only when its hash
 * verifies and it has not expired; otherwise 550 5.1.1 at RCPT. route() and expand() agree.
 */
class SrsRoutingTest {
    private static final Instant NOW = Instant.parse("2026-12-07T08:00:00Z");
    private static final MailAddress ALICE = MailAddress.parse("alice@orig.example");

    @TempDir
    Path dir;
    private final ConfiguredRouter router = new ConfiguredRouter();

    @BeforeEach
    void start() throws Exception {
        Map<String, Object> p = new HashMap<>(Map.of("service.pid", "org.carrier.router", "localDomains", "forwarder.test",
                "aliasFile", Files.writeString(dir.resolve("aliases.properties"), "fwd = bob@dest.example\n").toString(),
                "mailboxFile", dir.resolve("mailboxes.properties").toString()));
        router.activate(TypedConfig.of(ConfiguredRouter.Config.class, p), p);
        RouteConfiguration route = new RouteConfiguration();
        route.configure(AnnotationConfig.of(RouteConfiguration.Config.class,
                Map.of("domains", "orig.example, dest.example", "transport", "smtp", "nextHops", "127.0.0.1:2526")),
                Map.of("service.pid", "org.carrier.route~peers"));
        router.addRoute(route);
    }

    @AfterEach
    void stop() {
        router.deactivate();
    }

    private SenderRewriting srs(Instant now, Object... keyValues) {
        Map<String, Object> p = new HashMap<>(Map.of("service.pid", SenderRewriting.PID, "secret", "s3cret"));
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put((String) keyValues[i], keyValues[i + 1]);
        }
        SenderRewriting rewriting = new SenderRewriting(dir.resolve("data"), Clock.fixed(now, ZoneOffset.UTC),
                TypedConfig.of(SenderRewriting.Config.class, p), p);
        router.setSrs(rewriting);
        return rewriting;
    }

    private static MailAddress made(Instant when) {
        return new SrsCodec(List.of("s3cret"), 21, Clock.fixed(when, ZoneOffset.UTC)).forward(ALICE, "forwarder.test");
    }

    @Test
    void aValidSrsAddressIsAcceptedAndExpandsToTheOriginalSender() {
        srs(NOW);
        MailAddress address = made(NOW);
        RouteDecision decision = router.route(address);
        assertEquals(Destination.LOCAL, decision.destination(), decision.toString());
        assertEquals("srs to <alice@orig.example>", decision.routeName(), "the route report shows whom it reaches");
        assertTrue(router.routesAtOnce(address), "the original's route (smtp) needs no DNS");
        List<Recipient> expanded = router.expand(Recipient.of(address));
        assertEquals(List.of(ALICE), expanded.stream().map(Recipient::address).toList());
        assertEquals("rfc822;" + Directory.xtext(address.toString()), expanded.get(0).parameters().get("ORCPT"));
        // lower-cased by a receiver on the way: still ours
        assertEquals(Destination.LOCAL, router.route(MailAddress.parse(address.toString().toLowerCase())).destination());
    }

    @Test
    void aForgedHashIsRefusedAtRcptWith550_5_1_1() {
        srs(NOW);
        String forged = made(NOW).toString().replace("=alice@", "=mallory@");
        RouteDecision decision = router.route(MailAddress.parse(forged));
        assertEquals(550, decision.refusal().code());
        assertEquals("5.1.1", decision.refusal().enhancedStatus());
        assertEquals("<" + forged + ">: SRS address with an invalid hash", decision.refusal().text());
        // expand leaves it as it is, so the queue's route refuses it too: never relayed
        assertEquals(List.of(MailAddress.parse(forged)),
                router.expand(Recipient.of(MailAddress.parse(forged))).stream().map(Recipient::address).toList());
    }

    @Test
    void anExpiredAddressIsRefusedAtRcptWith550_5_1_1() {
        srs(NOW.plus(Duration.ofDays(22)));
        RouteDecision decision = router.route(made(NOW));
        assertEquals("550 5.1.1 <" + made(NOW) + ">: SRS address expired (older than 21 days)", decision.refusal().toString());
        srs(NOW.plus(Duration.ofDays(22)), "maxAgeDays", 30);
        assertNull(router.route(made(NOW)).refusal(), "maxAgeDays = 30 accepts it");
    }

    @Test
    void anSrsAddressOfAnotherSecretIsNoRelay() {
        srs(NOW, "secret", "another", "oldSecrets", "not-this-either");
        assertEquals(550, router.route(made(NOW)).refusal().code());
        srs(NOW, "secret", "another", "oldSecrets", "x, s3cret");
        assertNull(router.route(made(NOW)).refusal(), "an old secret still verifies");
    }

    @Test
    void withSrsOffAnSrsAddressIsAnOrdinaryLocalPart() {
        srs(NOW, "enabled", false);
        // localUsers is empty here: any local part is a user, this one too, and nothing decodes it
        assertEquals("local", router.route(made(NOW)).routeName());
        assertEquals(List.of(made(NOW)), router.expand(Recipient.of(made(NOW))).stream().map(Recipient::address).toList());
    }

    @Test
    void aliasTargetsAreMarkedForwardedAndAClientsMarkIsDropped() {
        Recipient forged = new Recipient(MailAddress.parse("carol@dest.example"), Map.of(Router.FORWARDED_PARAMETER, "x@forwarder.test"));
        assertEquals(Map.of(), router.expand(forged).get(0).parameters());
        Recipient target = router.expand(Recipient.of(MailAddress.parse("fwd@forwarder.test"))).get(0);
        assertEquals(MailAddress.parse("bob@dest.example"), target.address());
        assertEquals("fwd@forwarder.test", target.parameters().get(Router.FORWARDED_PARAMETER));
        Recipient user = router.expand(Recipient.of(MailAddress.parse("dan+tag@forwarder.test"))).get(0);
        assertFalse(user.parameters().containsKey(Router.FORWARDED_PARAMETER), "a plus-address is no forwarding: " + user);
    }

    @Test
    void theSecretIsMadeAtFirstStartPrivateAndKept() throws Exception {
        Map<String, Object> p = Map.of("service.pid", SenderRewriting.PID);
        SenderRewriting first = new SenderRewriting(dir.resolve("data"), Clock.systemUTC(), TypedConfig.of(SenderRewriting.Config.class, p), p);
        Path file = dir.resolve("data").resolve(SrsSettings.SECRET_FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertTrue(Files.readString(file).strip().length() >= 32, "a long random secret");
        MailAddress made = first.codec().forward(ALICE, "forwarder.test");
        SenderRewriting restarted = new SenderRewriting(dir.resolve("data"), Clock.systemUTC(), TypedConfig.of(SenderRewriting.Config.class, p), p);
        assertEquals(new SrsCodec.Valid(ALICE), restarted.codec().reverse(made), "the same secret after a restart");
    }

    @Test
    void aBrokenValueIsRefusedAndTheLastGoodSettingsStay() throws Exception {
        SenderRewriting rewriting = srs(NOW);
        SrsCodec good = rewriting.codec();
        Map<String, Object> p = new HashMap<>(Map.of("service.pid", SenderRewriting.PID, "secret", "other", "maxAgeDays", 0));
        rewriting.configure(TypedConfig.of(SenderRewriting.Config.class, p), p);
        assertEquals(good, rewriting.codec());
        Path empty = Files.writeString(dir.resolve("empty.secret"), "\n# nothing\n");
        p = new HashMap<>(Map.of("service.pid", SenderRewriting.PID, "secretFile", empty.toString()));
        rewriting.configure(TypedConfig.of(SenderRewriting.Config.class, p), p);
        assertEquals(good, rewriting.codec(), "a secret file without a secret is refused");
    }
}
