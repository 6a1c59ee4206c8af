package org.carrier.tlsreport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.carrier.api.tls.TlsFailureType;
import org.carrier.api.tls.TlsPolicyType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultStoreTest {
    @TempDir
    Path dir;

    @Test
    void whatIsSavedIsLoadedBackWithOddCharactersAndAbsentFields() throws IOException {
        PolicyKey policy = new PolicyKey(Instant.parse("2026-12-06T10:15:30Z"), "example.test", TlsPolicyType.STS,
                List.of("version: STSv1", "mx: a|b", "odd\ttab 100% -"), List.of("*.mail.example.test"));
        PolicyKey none = new PolicyKey(Instant.parse("2026-12-06T00:00:00Z"), "other.test", TlsPolicyType.NO_POLICY_FOUND,
                List.of(), List.of());
        Map<PolicyKey, PolicyTotals> counts = Map.of(
                policy, new PolicyTotals(7, Map.of(
                        new FailureKey(TlsFailureType.CERTIFICATE_EXPIRED, "127.0.0.1", "mx1.example.test", "::1", "line\nbreak"), 2L,
                        new FailureKey(TlsFailureType.STARTTLS_NOT_SUPPORTED, null, null, null, "-"), 3L)),
                none, new PolicyTotals(0, Map.of(new FailureKey(TlsFailureType.STARTTLS_NOT_SUPPORTED, null, "mx", null, null), 1L)));
        ResultStore store = new ResultStore(dir.resolve("tls-report"));
        store.save(counts, Instant.parse("2026-12-06T10:15:30Z"));

        ResultStore.Saved saved = new ResultStore(dir.resolve("tls-report")).load();
        assertEquals(counts, saved.counts());
        assertEquals(Instant.parse("2026-12-06T10:15:30Z"), saved.flushedAt());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file().getParent())));
    }

    @Test
    void aDamagedFileIsMovedAsideAndReportingStartsAfresh() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("tls-report"));
        Files.writeString(folder.resolve(ResultStore.FILE_NAME), "# carrier tls-report results 1\npolicy\tnot-a-time\n");
        ResultStore.Saved saved = new ResultStore(folder).load();
        assertTrue(saved.counts().isEmpty());
        assertFalse(Files.exists(folder.resolve(ResultStore.FILE_NAME)));
        try (var files = Files.list(folder)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith(ResultStore.FILE_NAME + ".corrupt-")),
                    "kept for a look");
        }
    }
}
