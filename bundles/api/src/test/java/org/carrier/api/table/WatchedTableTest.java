package org.carrier.api.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one table watcher (aliases, mailboxes, AUTH users, sender logins), on real files. */
class WatchedTableTest {
    @TempDir
    Path dir;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2027-01-01T00:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private int version;

    /** key = value, every value a non-empty word. */
    private static Map<String, String> parse(java.util.List<TableLine> lines) throws BadLine {
        Map<String, String> table = new HashMap<>();
        for (TableLine line : lines) {
            if (line.value().isEmpty()) {
                throw new BadLine(line.number(), "\"" + line.key() + "\" has no value");
            }
            table.put(line.key(), line.value());
        }
        return Map.copyOf(table);
    }

    private WatchedTable<Map<String, String>> table(Path file) {
        return new WatchedTable<>(file, "entries", key -> key.toLowerCase(Locale.ROOT), Map.of(), WatchedTableTest::parse, Map::size,
                Duration.ofSeconds(2), clock);
    }

    /** Writes the file as a new version (a later modification time, whatever the file system's resolution). */
    private Path write(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2027-01-01T00:00:00Z").plusSeconds(++version)));
        return file;
    }

    @Test
    void aChangedFileIsReloadedAndABrokenOneKeepsTheLastGoodTable() throws Exception {
        Path file = write(dir.resolve("a.properties"), "Postmaster = admin\n");
        WatchedTable<Map<String, String>> table = table(file);
        assertEquals(Map.of("postmaster", "admin"), table.current(), "keys as the table keeps them");
        write(file, "postmaster = root\nlonely\n");
        table.refresh();
        assertEquals(Map.of("postmaster", "admin"), table.current(), "the broken file is not used");
        assertEquals(Optional.of(file + ":2: \"lonely\" has no value"), table.problem());
        write(file, "postmaster = root\n");
        table.refresh();
        assertEquals(Map.of("postmaster", "root"), table.current());
        assertEquals(Optional.empty(), table.problem());
    }

    @Test
    void aChangeIsSeenAtTheFirstLookAfterTheCheckInterval() throws Exception {
        Path file = write(dir.resolve("a.properties"), "a = 1\n");
        WatchedTable<Map<String, String>> table = table(file);
        assertEquals(Map.of("a", "1"), table.current(), "the first look starts the interval");
        write(file, "a = 2\n");
        assertEquals(Map.of("a", "1"), table.current(), "not looked at again within the interval");
        now.set(now.get().plusSeconds(2));
        assertEquals(Map.of("a", "2"), table.current());
    }

    @Test
    void theReaderRefusesDuplicateKeysEmptyKeysAndOctetsThatAreNotUtf8() throws Exception {
        Path file = dir.resolve("t.properties");
        assertEquals(Optional.of(file + ":2: \"a\" is already defined on line 1"), table(write(file, "a = 1\nA = 2\n")).problem(),
                "A and a are one key in a table that ignores case");
        assertEquals(Optional.of(file + ":2: no key before the separator"), table(write(file, "a = 1\n = 2\n")).problem());
        Files.write(file, "a = 1\nj\u00fcrgen = 2\n".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(table(file).problem().orElseThrow().startsWith(file + ":2: not UTF-8"));
    }

    @Test
    void aMissingFileIsTheEmptyTable() {
        WatchedTable<Map<String, String>> table = table(dir.resolve("missing.properties"));
        assertEquals(Map.of(), table.current());
        assertEquals(Optional.empty(), table.problem());
    }
}
