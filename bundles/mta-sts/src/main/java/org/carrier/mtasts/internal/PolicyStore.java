package org.carrier.mtasts.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import org.carrier.api.file.FileModes;
import org.carrier.api.tls.MtaStsPolicy;

/**
 * The policies on disk, one file per domain ({@code <domain>.policy}) in the cache folder, so that a restart does not
 * forget an enforce policy (RFC 8461 §5.1: a sender keeps it for {@code max_age}). A file holds the policy's own
 * lines after the domain, the TXT id it was fetched for and when; it is replaced in one step
 * ({@link FileModes#replace}), so a crash leaves the old policy or the new one. Private modes (0700/0600).
 */
final class PolicyStore {
    private static final String SUFFIX = ".policy";

    private final Path folder;

    PolicyStore(Path folder) {
        this.folder = folder;
    }

    Path folder() {
        return folder;
    }

    Path file(String domain) {
        return folder.resolve(domain + SUFFIX);
    }

    /**
     * The cached policy of a domain; empty if none is cached.
     *
     * @throws IOException          if the file cannot be read
     * @throws PolicyText.Invalid   if it is not a policy this store wrote (edited, or cut short by a full disk)
     */
    Optional<MtaStsPolicy> load(String domain) throws IOException, PolicyText.Invalid {
        String text;
        try {
            text = Files.readString(file(domain), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        text = text.lines().filter(line -> !line.startsWith("#")).collect(java.util.stream.Collectors.joining("\n"));
        PolicyText.Fields fields = PolicyText.fields(text);
        String id = fields.first().get("id");
        String fetched = fields.first().get("fetched");
        if (!domain.equals(fields.first().get("domain")) || id == null || fetched == null) {
            throw new PolicyText.Invalid("not a cached policy of " + domain + " (domain, id and fetched expected)");
        }
        try {
            return Optional.of(PolicyText.parse(domain, id, Instant.parse(fetched), text));
        } catch (DateTimeParseException e) {
            throw new PolicyText.Invalid("fetched \"" + fetched + "\" is not an instant");
        }
    }

    void save(MtaStsPolicy policy) throws IOException {
        StringBuilder text = new StringBuilder()
                .append("# The MTA-STS policy of ").append(policy.domain()).append(" as Carrier fetched it (RFC 8461 §5.1)\n")
                .append("domain: ").append(policy.domain()).append('\n')
                .append("id: ").append(policy.id()).append('\n')
                .append("fetched: ").append(policy.fetched()).append('\n');
        for (String line : policy.policyStrings()) {
            text.append(line).append('\n');
        }
        FileModes.PRIVATE.replace(file(policy.domain()), text.toString());
    }
}
