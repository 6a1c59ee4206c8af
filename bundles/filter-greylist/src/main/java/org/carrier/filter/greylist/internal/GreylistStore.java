package org.carrier.filter.greylist.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.api.file.FileModes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The greylist's state on disk: one snapshot file, written whole to a temporary file, synced and renamed over the
 * previous one, so a crash leaves either the old or the new snapshot, never a mix. What changed since the last
 * snapshot is lost on a crash; for greylisting that costs at most one more deferral of a retry, which the sender's
 * queue absorbs.
 * <p>
 * Format: a header line, then one line per entry: {@code first TAB last TAB passes TAB network [TAB sender TAB recipient]}.
 */
final class GreylistStore {
    private static final Logger LOG = LoggerFactory.getLogger(GreylistStore.class);
    static final String FILE_NAME = "greylist.tsv";
    private static final String HEADER = "# carrier greylist 1";

    private final Path file;

    GreylistStore(Path directory) {
        this.file = directory.resolve(FILE_NAME);
    }

    Path file() {
        return file;
    }

    /**
     * The saved entries, oldest first. A file that cannot be read is logged with its line and moved aside (kept for
     * a look, never overwritten), and the greylist starts empty: a damaged state must not stop mail.
     */
    Map<GreylistKey, GreylistEntry> load() {
        Map<GreylistKey, GreylistEntry> entries = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return entries;
        }
        int lineNumber = 0;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line = reader.readLine();
            lineNumber = 1;
            if (!HEADER.equals(line)) {
                throw new IllegalArgumentException("not a greylist state file (first line is not \"" + HEADER + "\")");
            }
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                parse(line, entries);
            }
            return entries;
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(FILE_NAME + ".corrupt-" + System.currentTimeMillis());
            LOG.error("greylist: {}:{}: {}; starting with an empty greylist, the file is kept as {}",
                    file, lineNumber, e.getMessage(), aside.getFileName());
            moveAside(aside);
            return new LinkedHashMap<>();
        }
    }

    private static void parse(String line, Map<GreylistKey, GreylistEntry> entries) {
        String[] f = line.split("\t", -1);
        if (f.length != 4 && f.length != 6 || f[3].isEmpty()) {
            throw new IllegalArgumentException("expected 4 or 6 tab separated fields, found " + f.length);
        }
        GreylistEntry entry = new GreylistEntry(Long.parseLong(f[0]), Long.parseLong(f[1]), Integer.parseInt(f[2]));
        if (entry.passes() < 0 || entry.lastSeen() < entry.firstSeen()) {
            throw new IllegalArgumentException("impossible times or count");
        }
        entries.put(f.length == 4 ? GreylistKey.network(f[3]) : new GreylistKey(f[3], f[4], f[5]), entry);
    }

    private void moveAside(Path aside) {
        try {
            Files.move(file, aside);
        } catch (IOException e) {
            LOG.error("greylist: cannot move {} aside: {}", file, e.getMessage());
        }
    }

    /** Replaces the snapshot with these entries, oldest first. */
    void save(List<Map.Entry<GreylistKey, GreylistEntry>> entries) throws IOException {
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        for (Map.Entry<GreylistKey, GreylistEntry> e : entries) {
            append(text, e.getKey(), e.getValue());
        }
        // Client addresses and senders: state for Carrier's user alone, 0600 in 0700 folders whatever the umask
        FileModes.PRIVATE.replace(file, text.toString());
    }

    private static void append(StringBuilder text, GreylistKey key, GreylistEntry entry) {
        text.append(entry.firstSeen()).append('\t').append(entry.lastSeen()).append('\t').append(entry.passes())
                .append('\t').append(key.network());
        if (!key.isNetwork()) {
            text.append('\t').append(key.sender()).append('\t').append(key.recipient());
        }
        text.append('\n');
    }
}
