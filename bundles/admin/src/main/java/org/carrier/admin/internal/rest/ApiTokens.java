package org.carrier.admin.internal.rest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import org.carrier.api.file.FileModes;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's bearer tokens (RFC 6750), kept in {@code data/api-tokens} (folder 0700, file 0600), one line a
 * token: its name, the SHA-256 of the token in hex, and when it was made. The token itself is shown once, when it is
 * made, and stored nowhere.
 * <p>
 * A plain SHA-256 is enough here, and bcrypt or Argon2 would only cost time on every request: those slow hashes
 * protect passwords, which people choose from a small space that an attacker with the file can search; a token is 256
 * random bits, so no search of that space, fast hash or not, can find one from its hash.
 */
@Component(service = ApiTokens.class)
public class ApiTokens {
    /** What a token starts with, so that a secret scanner (and a person) recognises one in a log or a repository. */
    static final String PREFIX = "carrier_";
    /** A token's name: what it is for, e.g. {@code deploy-bot}. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Logger LOG = LoggerFactory.getLogger(ApiTokens.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One stored token: its name, the hex SHA-256 of the token, when it was made. */
    record Entry(String name, String hash, Instant created) {
        String line() {
            return name + " " + hash + " " + created;
        }
    }

    private final Path file;
    private final Clock clock;
    private List<Entry> entries;
    private long readModified = Long.MIN_VALUE;

    @Activate
    public ApiTokens(BundleContext context) {
        this(Paths.get(Objects.requireNonNullElse(context.getProperty("carrier.data.dir"), "data"), "api-tokens"), Clock.systemUTC());
    }

    ApiTokens(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /**
     * Makes a token named {@code name} and stores its hash. @return the token, to be shown once
     *
     * @throws IllegalArgumentException if the name is not a valid one or is taken
     */
    public synchronized String create(String name) throws IOException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a token's name is 1 to 64 letters, digits, '.', '_' or '-', starting with a"
                    + " letter or digit: " + name);
        }
        List<Entry> current = new ArrayList<>(entries());
        if (current.stream().anyMatch(e -> e.name().equals(name))) {
            throw new IllegalArgumentException("a token named " + name + " exists already; revoke it first");
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        current.add(new Entry(name, hash(token), clock.instant()));
        save(current);
        return token;
    }

    /** Removes the token named {@code name}. @return false if there is none */
    public synchronized boolean revoke(String name) throws IOException {
        List<Entry> current = new ArrayList<>(entries());
        if (!current.removeIf(e -> e.name().equals(name))) {
            return false;
        }
        save(current);
        return true;
    }

    /** The stored tokens (names and dates; the hashes stay here). */
    public synchronized List<Entry> list() throws IOException {
        return entries();
    }

    /**
     * The name of the token {@code presented}, or empty if it is none of them (a revoked one included). The file is
     * read again when it changed, so a token revoked by another process (or by hand) stops working at once.
     */
    public synchronized Optional<String> verify(String presented) {
        if (presented == null || !presented.startsWith(PREFIX)) {
            return Optional.empty();
        }
        byte[] given = hash(presented).getBytes(StandardCharsets.US_ASCII);
        try {
            for (Entry e : entries()) {
                // constant time, so that the answer's timing does not tell how much of a hash matched
                if (MessageDigest.isEqual(given, e.hash().getBytes(StandardCharsets.US_ASCII))) {
                    return Optional.of(e.name());
                }
            }
        } catch (IOException e) {
            LOG.warn("REST API: cannot read {}: {}; no token is accepted until it can be read", file, e.toString());
        }
        return Optional.empty();
    }

    private List<Entry> entries() throws IOException {
        long modified;
        try {
            modified = Files.getLastModifiedTime(file).toMillis();
        } catch (NoSuchFileException e) {
            entries = List.of();
            readModified = Long.MIN_VALUE;
            return entries;
        }
        if (entries == null || modified != readModified) {
            entries = read();
            readModified = modified;
        }
        return entries;
    }

    private List<Entry> read() throws IOException {
        List<Entry> read = new ArrayList<>();
        int number = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            String[] parts = line.trim().split(" ");
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            try {
                if (parts.length != 3 || !NAME.matcher(parts[0]).matches() || !parts[1].matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException("not NAME SHA256-HEX CREATED");
                }
                read.add(new Entry(parts[0], parts[1], Instant.parse(parts[2])));
            } catch (RuntimeException e) {
                LOG.warn("REST API: {} line {} is ignored: expected NAME SHA256-HEX CREATED (as carrier:token create writes it)",
                        file, number);
            }
        }
        return List.copyOf(read);
    }

    private void save(List<Entry> current) throws IOException {
        StringBuilder text = new StringBuilder("# REST API tokens (carrier:token): name, SHA-256 of the token, created\n");
        current.forEach(e -> text.append(e.line()).append('\n'));
        FileModes.PRIVATE.replace(file, text.toString());
        entries = List.copyOf(current);
        readModified = Files.getLastModifiedTime(file).toMillis();
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
