package org.carrier.smtp.server.internal.auth;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.carrier.api.auth.PasswordHash;
import org.carrier.api.auth.ScramCredential;
import org.carrier.api.table.BadLine;
import org.carrier.api.table.TableLine;
import org.carrier.api.table.WatchedTable;

/**
 * The SMTP AUTH users: a properties file (UTF-8) of {@code user = hash} lines, read with Commons Configuration's
 * properties reader, for example
 *
 * <pre>
 * # config/smtp-users.properties
 * alice@example.org = {bcrypt}$2y$10$...
 * bob = {argon2id}$argon2id$v=19$m=19456,t=2,p=1$...$...
 * carol = {scram-sha-256}50000,...,...,...
 * </pre>
 *
 * The file is looked at again when it changes (its modification time, size or identity, checked at most once per
 * {@code checkInterval} when a password is checked). A file with a bad line is refused as a whole: the log names the
 * file, the line and the problem, and the last good table stays in force. A missing file means no users.
 */
public final class UsersFile implements CredentialCheck {
    public static final Duration DEFAULT_CHECK_INTERVAL = WatchedTable.DEFAULT_CHECK_INTERVAL;

    private final WatchedTable<Map<String, String>> table;

    public UsersFile(Path file) {
        this(file, DEFAULT_CHECK_INTERVAL, Clock.systemUTC());
    }

    public UsersFile(Path file, Duration checkInterval, Clock clock) {
        this.table = new WatchedTable<>(file, "SMTP AUTH users", Map.of(), UsersFile::parse, Map::size, checkInterval, clock);
    }

    public Path file() {
        return table.file();
    }

    /**
     * Checks the password against the user's hash. An unknown user costs as much as a known one (the password is
     * checked against another entry's hash), so that response times do not tell which users exist.
     */
    @Override
    public boolean check(String user, byte[] password) {
        Map<String, String> hashes = table.current();
        String hash = hashes.get(user);
        if (hash == null) {
            hashes.values().stream().findFirst().ifPresent(decoy -> PasswordHash.matches(decoy, password));
            return false;
        }
        return PasswordHash.matches(hash, password);
    }

    @Override
    public Optional<ScramCredential> scramSha256(String user) {
        String hash = table.current().get(user);
        return hash != null && ScramCredential.isScram(hash) ? Optional.of(ScramCredential.parse(hash)) : Optional.empty();
    }

    @Override
    public boolean scramForEveryUser() {
        Map<String, String> hashes = table.current();
        return !hashes.isEmpty() && hashes.values().stream().allMatch(ScramCredential::isScram);
    }

    /** How many users the table in force has. */
    public int size() {
        return table.current().size();
    }

    public boolean contains(String user) {
        return table.current().containsKey(user);
    }

    /** The problem of the last file that was refused, while the table from before it stays in force. */
    public Optional<String> problem() {
        return table.problem();
    }

    private static Map<String, String> parse(List<TableLine> lines) throws BadLine {
        Map<String, String> hashes = new HashMap<>();
        for (TableLine line : lines) {
            if (line.value().isEmpty()) {
                throw new BadLine(line.number(), "no password hash for user " + line.key());
            }
            String unusable = PasswordHash.problem(line.value());
            if (unusable != null) {
                throw new BadLine(line.number(), "user " + line.key() + ": " + unusable);
            }
            hashes.put(line.key(), line.value());
        }
        return Map.copyOf(hashes);
    }
}
