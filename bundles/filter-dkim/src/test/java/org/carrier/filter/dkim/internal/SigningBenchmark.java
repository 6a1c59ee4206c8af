package org.carrier.filter.dkim.internal;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * CPU per signed message (header read, body hash, RSA-2048 relaxed/relaxed) at 5 KB and 100 KB, by this thread's CPU
 * time, so other work on the machine changes it little. Not a test; run it after
 * {@code mvn -q -pl bundles/filter-dkim -am test-compile} with the JIT settings of bin/carrier:
 * <pre>
 * java -XX:+UseSerialGC -XX:+UnlockDiagnosticVMOptions \
 *     -XX:CompilerDirectivesFile=distribution/src/main/dist/conf/compiler-directives.json \
 *     -cp bundles/filter-dkim/target/classes:bundles/filter-dkim/target/test-classes:bundles/api/target/classes:SLF4J_API_JAR \
 *     org.carrier.filter.dkim.internal.SigningBenchmark
 * </pre>
 */
public final class SigningBenchmark {
    private static final int MESSAGES = 300;

    private SigningBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path folder = Files.createTempDirectory("signing-benchmark");
        Path keyFile = folder.resolve("rsa.pem");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        SigningKey key = SigningKey.load("bench.test:bench:rsa.pem", folder);
        Signer signer = new Signer(Canonicalization.RELAXED, Canonicalization.RELAXED,
                List.of("from", "to", "subject", "date", "message-id", "mime-version", "content-type"));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int size : new int[] {5 * 1024, 100 * 1024}) {
            byte[] message = message(size);
            for (int round = 1; round <= 4; round++) {
                long start = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < MESSAGES; i++) {
                    signer.sign(key, new ByteArrayInputStream(message), Instant.now());
                }
                double millis = (threads.getCurrentThreadCpuTime() - start) / 1e6 / MESSAGES;
                // rounds 1 and 2 warm the JIT up
                System.out.printf("%d KB round %d: %.3f ms CPU per signed message%n", size / 1024, round, millis);
            }
        }
        Files.delete(keyFile);
        Files.delete(folder);
    }

    private static byte[] message(int size) {
        StringBuilder text = new StringBuilder("From: a@bench.test\r\nTo: b@relay.test\r\nSubject: bench\r\n"
                + "Date: Mon, 7 Dec 2026 12:00:00 +0000\r\nMessage-ID: <1@bench.test>\r\n\r\n");
        while (text.length() < size) {
            text.append("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\r\n");
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
