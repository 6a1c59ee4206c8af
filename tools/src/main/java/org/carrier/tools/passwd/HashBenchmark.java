package org.carrier.tools.passwd;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.carrier.api.auth.PasswordHash;
import org.carrier.api.auth.ScramCredential;

/**
 * How long one password check takes on this machine for each kind of hash, so an administrator can choose a bcrypt
 * cost: every AUTH costs the server one check (SCRAM-SHA-256 excepted: there the client does the work, and the figure
 * is what AUTH PLAIN costs against a SCRAM entry). Run with {@code bin/carrier-passwd --benchmark [--cost N]}.
 */
final class HashBenchmark {
    private static final byte[] PASSWORD = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);

    private HashBenchmark() {
    }

    static void print(PrintStream out, int bcryptCost, int rounds) {
        Map<String, String> hashes = new LinkedHashMap<>();
        hashes.put("bcrypt cost " + bcryptCost, PasswordHash.bcrypt(PASSWORD, bcryptCost));
        hashes.put("argon2id m=" + PasswordHash.ARGON2_MEMORY_KIB + ",t=" + PasswordHash.ARGON2_ITERATIONS + ",p="
                + PasswordHash.ARGON2_PARALLELISM, PasswordHash.argon2id(PASSWORD));
        hashes.put("scram-sha-256 i=" + ScramCredential.DEFAULT_ITERATIONS, PasswordHash.scramSha256(PASSWORD));
        hashes.forEach((name, hash) -> {
            PasswordHash.matches(hash, PASSWORD); // warm-up: the first check also loads and compiles the code
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                if (!PasswordHash.matches(hash, PASSWORD)) {
                    throw new IllegalStateException(name + " did not verify its own hash");
                }
            }
            long millis = (System.nanoTime() - start) / rounds / 1_000_000;
            out.printf("%-36s %6d ms per check (%d checks)%n", name, millis, rounds);
        });
    }
}
