package org.carrier.router.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the alias and mailbox tables, and again whenever either file changes (checked by {@link #check}, which the
 * router calls every few seconds). A broken file is logged with its file, line and problem, and the last good
 * tables stay in force.
 */
final class TableWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(TableWatcher.class);

    private record Stamp(long modified, long size) {
    }

    private final Path aliasFile;
    private final Path mailboxFile;
    private final Consumer<AddressTables> onLoad;
    private List<Stamp> stamps;

    TableWatcher(Path aliasFile, Path mailboxFile, Consumer<AddressTables> onLoad) {
        this.aliasFile = aliasFile;
        this.mailboxFile = mailboxFile;
        this.onLoad = onLoad;
    }

    /** Loads the tables if they changed since the last check (the first check always loads). */
    synchronized void check() {
        List<Stamp> now = List.of(stamp(aliasFile), stamp(mailboxFile));
        if (Objects.equals(now, stamps)) {
            return;
        }
        stamps = now;
        try {
            AddressTables tables = new AddressTables(AddressTables.aliases(aliasFile), AddressTables.mailboxes(mailboxFile));
            onLoad.accept(tables);
            LOG.info("tables loaded: {} alias(es) from {}, {} mailbox(es) from {}", tables.aliases().size(), aliasFile,
                    tables.mailboxes().size(), mailboxFile);
        } catch (TableException e) {
            LOG.error("{}; the last good tables stay in force", e.getMessage());
        }
    }

    private static Stamp stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime().toMillis(), a.size());
        } catch (IOException missing) {
            return new Stamp(-1, -1);
        }
    }
}
