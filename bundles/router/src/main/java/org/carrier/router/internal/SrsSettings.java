package org.carrier.router.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

import org.carrier.api.config.ConfigLists;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.file.FileModes;

/**
 * The sender rewriting settings, validated. No secret is ever part of a log line or of a refusal's text: a problem
 * with the secret names the file or the key only.
 *
 * @param codec             the codec, or {@code null} when SRS is off
 * @param excludedDomains   sender domains never rewritten (besides our own, which never are)
 * @param forwardingDomain  the domain of the rewritten senders; empty: the alias's own domain
 * @param secretSource      where the signing secret came from, for the log line ("secret", or the file)
 */
record SrsSettings(SrsCodec codec, Set<String> excludedDomains, String forwardingDomain, String secretSource) {
    static final String SECRET_FILE = "srs.secret";

    static SrsSettings of(SenderRewriting.Config c, Path dataDirectory, Clock clock) {
        int maxAge = ConfigProblem.between("maxAgeDays", c.maxAgeDays(), 1, SrsCodec.TIME_SLOTS - 1);
        Set<String> excluded = Set.copyOf(ConfigLists.domains("excludedDomains", c.excludedDomains()));
        String forwarding = c.forwardingDomain().isBlank() ? "" : ConfigProblem.check("forwardingDomain", c.forwardingDomain(),
                () -> ConfigLists.domain(c.forwardingDomain().strip()));
        if (!c.enabled()) {
            return new SrsSettings(null, excluded, forwarding, "");
        }
        List<String> secrets = new ArrayList<>();
        String source;
        if (!c.secret().isBlank()) {
            secrets.add(c.secret().strip());
            source = "the secret setting";
        } else {
            Path file = c.secretFile().isBlank() ? dataDirectory.resolve(SECRET_FILE) : Path.of(c.secretFile().strip());
            secrets.addAll(readOrCreate(file, c.secretFile()));
            source = file.toString();
        }
        // split like every list setting; an old secret is only ever compared, never logged
        secrets.addAll(ConfigLists.names("oldSecrets", c.oldSecrets()));
        return new SrsSettings(new SrsCodec(secrets, maxAge, clock), excluded, forwarding, source);
    }

    /**
     * The secrets of a file as postsrsd reads them: one a line, the first signs, the others still verify. A missing
     * file is made with a random secret in mode 0600 (postsrsd's package does the same at install), so SRS works from
     * the first start and the addresses made stay valid across restarts.
     */
    private static List<String> readOrCreate(Path file, String configured) {
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[24];
                new SecureRandom().nextBytes(random);
                FileModes.PRIVATE.replace(file, Base64.getEncoder().encodeToString(random) + "\n");
            }
            List<String> secrets = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
            if (secrets.isEmpty()) {
                throw new ConfigProblem("secretFile", configured.isBlank() ? file : configured, "the file holds no secret (one a line expected)");
            }
            FileModes.exposedSecret(file, "the SRS secret").ifPresent(SenderRewriting.LOG::warn);
            return secrets;
        } catch (IOException e) {
            throw new ConfigProblem("secretFile", configured.isBlank() ? file : configured, "cannot read or create it: " + e);
        }
    }

    boolean enabled() {
        return codec != null;
    }
}
