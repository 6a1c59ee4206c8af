package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.carrier.api.message.MailAddress;
import org.carrier.api.message.Recipient;
import org.carrier.api.route.Router;
import org.carrier.api.table.TableLines;
import org.carrier.api.table.WatchedTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local and virtual domains, aliases, virtual mailboxes, catch-all and plus-addressing, from real table files. */
class DirectoryTest {
    @TempDir
    Path dir;

    private Directory directory(String aliases, String mailboxes, Set<String> localUsers) throws Exception {
        Path aliasFile = Files.writeString(dir.resolve("aliases.properties"), aliases);
        Path mailboxFile = Files.writeString(dir.resolve("mailboxes.properties"), mailboxes);
        AddressTables tables = new AddressTables(AddressTables.aliases(TableLines.read(aliasFile, AddressTables::key)),
                AddressTables.mailboxes(TableLines.read(mailboxFile, AddressTables::key)));
        return new Directory(List.of("localhost"), Set.of("example.test", "catch.test"), localUsers, "+", tables);
    }

    private static List<String> expand(Directory d, String address) {
        return d.expand(Recipient.of(MailAddress.parse(address))).stream()
                .map(r -> r.address() + r.parameters().getOrDefault(Router.MAILBOX_PARAMETER, "").transform(m -> m.isEmpty() ? "" : " -> " + m))
                .toList();
    }

    private static final String ALIASES = """
            # RFC 5321 §4.5.1: postmaster at every domain of ours
            postmaster = admin
            abuse = postmaster
            team@example.test = alice@example.test, bob@example.test, friend@remote.test
            a@example.test = b@example.test
            b@example.test = a@example.test
            self@example.test = self@example.test, archive@remote.test
            @catch.test = alice@example.test
            """;
    private static final String MAILBOXES = """
            alice@example.test = ajones
            bob@example.test = bsmith
            self@example.test = self
            """;

    @Test
    void aliasesExpandToSeveralNestedAndRemoteTargetsAreForwarded() throws Exception {
        Directory d = directory(ALIASES, MAILBOXES, Set.of());
        assertEquals(List.of("alice@example.test -> ajones", "bob@example.test -> bsmith", "friend@remote.test"), expand(d, "team@example.test"));
        assertEquals(List.of("admin@localhost -> admin"), expand(d, "abuse@example.test"), "bare keys apply at every domain of ours");
        assertEquals(List.of("admin@localhost -> admin"), expand(d, "PostMaster@localhost"));
    }

    @Test
    void aliasLoopsEndAndAnAliasNamingItselfKeepsItsMailbox() throws Exception {
        Directory d = directory(ALIASES, MAILBOXES, Set.of());
        assertEquals(List.of("a@example.test"), expand(d, "a@example.test"), "a -> b -> a stops at a");
        assertEquals(List.of("self@example.test -> self", "archive@remote.test"), expand(d, "self@example.test"));
        Directory deep = directory("x0@example.test = x1@example.test\n" + java.util.stream.IntStream.range(1, 40)
                .mapToObj(i -> "x" + i + "@example.test = x" + (i + 1) + "@example.test").reduce("", (a, b) -> a + b + "\n"), "", Set.of());
        assertEquals(1, expand(deep, "x0@example.test").size());
    }

    @Test
    void virtualDomainsKnowOnlyTheirTablesAndTheCatchAllTakesTheRest() throws Exception {
        Directory d = directory(ALIASES, MAILBOXES, Set.of());
        assertTrue(d.exists(MailAddress.parse("alice@example.test")));
        assertFalse(d.exists(MailAddress.parse("nobody@example.test")));
        assertTrue(d.exists(MailAddress.parse("anyone@catch.test")));
        assertEquals(List.of("alice@example.test -> ajones"), expand(d, "anyone@catch.test"));
        assertTrue(d.exists(MailAddress.parse("postmaster@catch.test")));
    }

    @Test
    void plusAddressesReachTheUserAndKeepTheirTag() throws Exception {
        Directory d = directory(ALIASES, MAILBOXES, Set.of("carol"));
        assertEquals(List.of("alice+news@example.test -> ajones"), expand(d, "alice+news@example.test"));
        assertEquals(List.of("carol+lists@localhost -> carol"), expand(d, "carol+lists@localhost"));
        assertTrue(d.exists(MailAddress.parse("carol+x@localhost")));
        assertFalse(d.exists(MailAddress.parse("dave@localhost")), "local users are listed");
        assertTrue(directory("", "", Set.of()).exists(MailAddress.parse("dave@localhost")), "no list: any local part");
    }

    @Test
    void expandedRecipientsNameTheOriginalAsOrcptUnlessTheSenderDid() throws Exception {
        Directory d = directory(ALIASES, MAILBOXES, Set.of());
        List<Recipient> team = d.expand(Recipient.of(MailAddress.parse("team@example.test")));
        assertEquals(List.of("rfc822;team@example.test"), team.stream().map(r -> r.parameters().get("ORCPT")).distinct().toList());
        Recipient tagged = d.expand(Recipient.of(MailAddress.parse("alice+x=y@example.test"))).get(0);
        assertFalse(tagged.parameters().containsKey("ORCPT"), "the same address needs no ORCPT");
        Recipient given = new Recipient(MailAddress.parse("abuse@localhost"), Map.of("ORCPT", "rfc822;abuse@example.test"));
        assertEquals("rfc822;abuse@example.test", d.expand(given).get(0).parameters().get("ORCPT"));
        assertEquals("a+2Bb+3Dc+20d", Directory.xtext("a+b=c d"));
    }

    @Test
    void aMailboxParameterFromTheSenderIsDropped() throws Exception {
        Directory d = directory(ALIASES, MAILBOXES, Set.of());
        Recipient forged = new Recipient(MailAddress.parse("friend@remote.test"), Map.of(Router.MAILBOX_PARAMETER, "ajones", "NOTIFY", "NEVER"));
        assertEquals(List.of(new Recipient(MailAddress.parse("friend@remote.test"), Map.of("NOTIFY", "NEVER"))), d.expand(forged));
    }

    @Test
    void brokenTablesNameFileLineAndProblem() throws Exception {
        assertEquals(dir.resolve("aliases.properties") + ":3: \"x\" has no value (expected: key = value)",
                aliasProblem("a = b\n# c\nx\n"));
        assertEquals(dir.resolve("aliases.properties") + ":2: \"a\" is already defined on line 1", aliasProblem("a = b\nA = c\n"),
                "keys are compared in lower case");
        assertTrue(aliasProblem("a = b@\n").contains("not an address"));
        Path mailboxes = Files.writeString(dir.resolve("mailboxes.properties"), "x@example.test = ../etc\n");
        assertTrue(new WatchedTable<>(mailboxes, "virtual mailboxes", AddressTables::key, Map.of(), AddressTables::mailboxes, Map::size,
                Duration.ofSeconds(2), Clock.systemUTC()).problem().orElseThrow().contains(":1: not a mailbox folder name"));
    }

    /** The problem the router's watched alias table finds in {@code table}, as logged. */
    private String aliasProblem(String table) throws Exception {
        Path aliases = Files.writeString(dir.resolve("aliases.properties"), table);
        return new WatchedTable<>(aliases, "aliases", AddressTables::key, Map.of(), AddressTables::aliases, Map::size,
                Duration.ofSeconds(2), Clock.systemUTC()).problem().orElse("no problem");
    }

    @Test
    void anAliasWhoseTargetsAreNoUsersIsRefusedAndNamed() throws Exception {
        Directory d = directory(ALIASES + "sales = carol, ghost\n", MAILBOXES, Set.of("alice", "carol"));
        assertFalse(d.exists(MailAddress.parse("postmaster@localhost")), "admin is not among the local users");
        assertFalse(d.exists(MailAddress.parse("abuse@localhost")), "abuse = postmaster = admin: no one");
        assertTrue(d.exists(MailAddress.parse("sales@localhost")), "carol gets the mail");
        assertTrue(d.exists(MailAddress.parse("team@example.test")));
        assertEquals(Map.of("postmaster", List.of("admin"), "sales", List.of("ghost"), "abuse", List.of("postmaster"),
                "a@example.test", List.of("b@example.test"), "b@example.test", List.of("a@example.test")),
                d.aliasesWithMissingTargets(), "a loop reaches no one either");
        assertTrue(d.aliasReachesSomeone("sales"));
        assertFalse(d.aliasReachesSomeone("postmaster"));
        assertEquals(Map.of(), directory("postmaster = admin\nabuse = postmaster\n", "", Set.of()).aliasesWithMissingTargets(), "any local part is a user");
    }

    @Test
    void aliasTargetsAreACommaList() throws Exception {
        assertTrue(aliasProblem("sales = alice bob\n")
                .endsWith(":1: sales = \"alice bob\": white space inside an element (separate them with commas)"), aliasProblem("sales = alice bob\n"));
        assertEquals(List.of("alice@localhost -> alice", "bob@localhost -> bob"), expand(directory("sales = alice, ,bob,\n", "", Set.of()), "sales@localhost"));
    }
}
