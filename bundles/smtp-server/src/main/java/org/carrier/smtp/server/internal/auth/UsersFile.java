package org.carrier.smtp.server.internal.auth;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.commons.configuration2.PropertiesConfiguration.PropertiesReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(UsersFile.class);
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(2);

    /** A table as loaded, with the file state it was loaded from. */
    private record Table(Map<String, String> hashes, Object stamp) {
    }

    private final Path file;
    private final Duration checkInterval;
    private final Clock clock;
    private static final Object NOT_LOADED = new Object();
    private static final String MISSING = "missing";

    private volatile Table table = new Table(Map.of(), NOT_LOADED);
    private volatile Object rejectedStamp;
    private volatile String problem;
    private volatile Instant nextCheck = Instant.MIN;

    public UsersFile(Path file) {
        this(file, DEFAULT_CHECK_INTERVAL, Clock.systemUTC());
    }

    public UsersFile(Path file, Duration checkInterval, Clock clock) {
        this.file = file;
        this.checkInterval = checkInterval;
        this.clock = clock;
        refresh();
    }

    public Path file() {
        return file;
    }

    /**
     * Checks the password against the user's hash. An unknown user costs as much as a known one (the password is
     * checked against another entry's hash), so that response times do not tell which users exist.
     */
    @Override
    public boolean check(String user, byte[] password) {
        Map<String, String> hashes = current();
        String hash = hashes.get(user);
        if (hash == null) {
            hashes.values().stream().findFirst().ifPresent(decoy -> PasswordHashes.matches(decoy, password));
            return false;
        }
        return PasswordHashes.matches(hash, password);
    }

    @Override
    public Optional<ScramCredential> scramSha256(String user) {
        String hash = current().get(user);
        return hash != null && ScramCredential.isScram(hash) ? Optional.of(ScramCredential.parse(hash)) : Optional.empty();
    }

    @Override
    public boolean scramForEveryUser() {
        Map<String, String> hashes = current();
        return !hashes.isEmpty() && hashes.values().stream().allMatch(ScramCredential::isScram);
    }

    /** How many users the table in force has. */
    public int size() {
        return current().size();
    }

    public boolean contains(String user) {
        return current().containsKey(user);
    }

    /** The problem of the last file that was refused, while the table from before it stays in force. */
    public Optional<String> problem() {
        current();
        return Optional.ofNullable(problem);
    }

    private Map<String, String> current() {
        Instant now = clock.instant();
        if (!now.isBefore(nextCheck)) {
            nextCheck = now.plus(checkInterval);
            refresh();
        }
        return table.hashes();
    }

    /** Reloads when the file differs from the one in force and from the last one refused. */
    synchronized void refresh() {
        Object stamp = stamp();
        if (stamp.equals(table.stamp()) || stamp.equals(rejectedStamp)) {
            return;
        }
        if (stamp == MISSING) {
            LOG.warn("{}: no such file; no SMTP AUTH users", file);
            table = new Table(Map.of(), MISSING);
            problem = null;
            return;
        }
        try {
            table = new Table(parse(), stamp);
            problem = null;
            LOG.info("{}: {} SMTP AUTH users", file, table.hashes().size());
        } catch (BadLine e) {
            rejectedStamp = stamp;
            problem = file + ":" + e.line + ": " + e.getMessage();
            LOG.error("{}; keeping the last good users table ({} users)", problem, table.hashes().size());
        } catch (IOException e) {
            // Not remembered as refused: a read error may be passing (file being replaced), so the next check retries.
            problem = file + ": " + e.getMessage();
            LOG.error("{}: cannot read: {}; keeping the last good users table ({} users)", file, e.getMessage(), table.hashes().size());
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

    private Map<String, String> parse() throws IOException, BadLine {
        Map<String, String> hashes = new HashMap<>();
        Map<String, Integer> lines = new HashMap<>();
        try (PropertiesReader reader = new PropertiesReader(new StringReader(text()))) {
            while (nextProperty(reader)) {
                int line = reader.getLineNumber();
                String user = reader.getPropertyName().strip();
                String hash = reader.getPropertyValue().strip();
                if (user.isEmpty()) {
                    throw new BadLine(line, "no user name before the separator");
                }
                if (hash.isEmpty()) {
                    throw new BadLine(line, "no password hash for user " + user);
                }
                String unusable = PasswordHashes.problem(hash);
                if (unusable != null) {
                    throw new BadLine(line, "user " + user + ": " + unusable);
                }
                Integer first = lines.putIfAbsent(user, line);
                if (first != null) {
                    throw new BadLine(line, "user " + user + " is already defined on line " + first);
                }
                hashes.put(user, hash);
            }
        }
        return Map.copyOf(hashes);
    }

    /** The file as text; octets that are not UTF-8 make a bad line (a Latin-1 name would otherwise never match). */
    private String text() throws IOException, BadLine {
        byte[] octets = Files.readAllBytes(file);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(octets);
        CharBuffer out = CharBuffer.allocate(octets.length);
        if (decoder.decode(in, out, true).isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                line += octets[i] == '\n' ? 1 : 0;
            }
            throw new BadLine(line, "not UTF-8");
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** The reader's own errors (a bad escape such as \\u12) become a bad line too. */
    private static boolean nextProperty(PropertiesReader reader) throws BadLine {
        try {
            return reader.nextProperty();
        } catch (IOException | RuntimeException e) {
            throw new BadLine(reader.getLineNumber() + 1, String.valueOf(e.getMessage()));
        }
    }

    /** A line that makes the file unusable. */
    private static final class BadLine extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;

        BadLine(int line, String problem) {
            super(problem);
            this.line = line;
        }
    }
}
