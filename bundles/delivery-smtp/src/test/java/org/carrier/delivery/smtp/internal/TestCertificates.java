package org.carrier.delivery.smtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A test CA and a server certificate for {@code localhost} signed by it, made with the JDK's keytool:
 * {@code ca.pem} for the client's trusted CA file, {@code server.p12} for the scripted peer.
 */
final class TestCertificates {
    private static final String PASSWORD = "test-only";

    final Path caPem;
    final Path serverKeys;

    private TestCertificates(Path caPem, Path serverKeys) {
        this.caPem = caPem;
        this.serverKeys = serverKeys;
    }

    static TestCertificates create(Path dir) throws IOException, InterruptedException {
        String ca = dir.resolve("ca.p12").toString();
        String server = dir.resolve("server.p12").toString();
        String csr = dir.resolve("server.csr").toString();
        String cert = dir.resolve("server.pem").toString();
        String caPem = dir.resolve("ca.pem").toString();
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-dname", "CN=Carrier Test CA", "-ext", "bc:c",
                "-validity", "2", "-keystore", ca);
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-dname", "CN=localhost", "-validity", "2",
                "-keystore", server);
        keytool("-certreq", "-alias", "server", "-keystore", server, "-file", csr);
        keytool("-gencert", "-alias", "ca", "-keystore", ca, "-infile", csr, "-outfile", cert, "-ext", "san=dns:localhost",
                "-validity", "2", "-rfc");
        keytool("-exportcert", "-alias", "ca", "-keystore", ca, "-rfc", "-file", caPem);
        keytool("-importcert", "-alias", "ca", "-keystore", server, "-file", caPem, "-noprompt");
        keytool("-importcert", "-alias", "server", "-keystore", server, "-file", cert);
        return new TestCertificates(Path.of(caPem), Path.of(server));
    }

    /** The server side: presents the localhost certificate and its chain. */
    SSLContext serverContext() throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(serverKeys)) {
            keys.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(keys, PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-storepass", PASSWORD, "-keypass", PASSWORD));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + out);
        }
    }
}
