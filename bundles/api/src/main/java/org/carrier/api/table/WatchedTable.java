package org.carrier.api.table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lookup table read from a properties file of {@code key = value} lines (see {@link TableLines}) and followed as the
 * file changes: its modification time, size or identity are looked at again at most once per {@code checkInterval},
 * when the table is asked for, or at each {@link #refresh}. A file with a bad line is refused as a whole: the log names
 * the file, the line and the problem ({@code FILE:LINE: problem}), and the last good table stays in force. A missing
 * file is the empty table.
 *
 * @param <T> the table, immutable
 */
public final class WatchedTable<T> {
    private static final Logger LOG = LoggerFactory.getLogger(WatchedTable.class);
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(2);
    private static final Object NOT_LOADED = new Object();
    private static final String MISSING = "missing";

    /** Makes the table from the file's lines; a line that cannot be used is a {@link BadLine}. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(List<TableLine> lines) throws BadLine;
    }

    /** A table as loaded, with the file state it was loaded from. */
    private record Loaded<T>(T table, Object stamp) {
    }

    private final Path file;
    private final String what;
    private final UnaryOperator<String> keys;
    private final T empty;
    private final Parser<T> parser;
    private final ToIntFunction<T> size;
    private final Duration checkInterval;
    private final Clock clock;

    private volatile Loaded<T> loaded;
    private volatile Object rejectedStamp;
    private volatile String problem;
    private volatile Instant nextCheck = Instant.MIN;

    /**
     * A table whose keys are compared as written (user names).
     *
     * @param what   what the entries are, for the log ("SMTP AUTH users")
     * @param empty  the table of a missing file, and before a first good one
     * @param size   how many entries a table has, for the log
     */
    public WatchedTable(Path file, String what, T empty, Parser<T> parser, ToIntFunction<T> size, Duration checkInterval, Clock clock) {
        this(file, what, UnaryOperator.identity(), empty, parser, size, checkInterval, clock);
    }

    /** @param keys how the table keeps a key, e.g. lower case for addresses: {@code A} and {@code a} are then one key */
    public WatchedTable(Path file, String what, UnaryOperator<String> keys, T empty, Parser<T> parser, ToIntFunction<T> size,
                        Duration checkInterval, Clock clock) {
        this.file = file;
        this.what = what;
        this.keys = keys;
        this.empty = empty;
        this.parser = parser;
        this.size = size;
        this.checkInterval = checkInterval;
        this.clock = clock;
        this.loaded = new Loaded<>(empty, NOT_LOADED);
        refresh();
    }

    public Path file() {
        return file;
    }

    /** The table in force, read again first when the check interval has passed and the file changed. */
    public T current() {
        Instant now = clock.instant();
        if (!now.isBefore(nextCheck)) {
            nextCheck = now.plus(checkInterval);
            refresh();
        }
        return loaded.table();
    }

    /** The problem of the last file that was refused, while the table from before it stays in force. */
    public Optional<String> problem() {
        current();
        return Optional.ofNullable(problem);
    }

    /** Reloads when the file differs from the one in force and from the last one refused. */
    public synchronized void refresh() {
        Object stamp = stamp();
        if (stamp.equals(loaded.stamp()) || stamp.equals(rejectedStamp)) {
            return;
        }
        if (stamp == MISSING) {
            LOG.warn("{}: no such file; no {}", file, what);
            loaded = new Loaded<>(empty, MISSING);
            problem = null;
            return;
        }
        try {
            loaded = new Loaded<>(parser.parse(TableLines.read(file, keys)), stamp);
            problem = null;
            LOG.info("{}: {} {}", file, size.applyAsInt(loaded.table()), what);
        } catch (BadLine e) {
            rejectedStamp = stamp;
            problem = file + ":" + e.line() + ": " + e.getMessage();
            LOG.error("{}; keeping the last good table ({} {})", problem, size.applyAsInt(loaded.table()), what);
        } catch (IOException e) {
            // Not remembered as refused: a read error may be passing (file being replaced), so the next check retries.
            problem = file + ": " + e.getMessage();
            LOG.error("{}: cannot read: {}; keeping the last good table ({} {})", file, e.getMessage(),
                    size.applyAsInt(loaded.table()), what);
        }
    }

    /** What identifies this version of the file, or {@link #MISSING}. */
    private Object stamp() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
        } catch (NoSuchFileException e) {
            return MISSING;
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }
}
