/**
 * Lookup tables read from {@code key = value} files and followed as they change (aliases, virtual mailboxes, SMTP AUTH
 * users, sender logins): one reader and one watcher, so every table file is read, refused and reloaded by the same
 * rule ({@link WatchedTable}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.table;
