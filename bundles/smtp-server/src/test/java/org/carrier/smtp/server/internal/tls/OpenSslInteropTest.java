package org.carrier.smtp.server.internal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLServerSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files made by OpenSSL, the tool administrators and ACME clients use, are read; the files Carrier writes are read by
 * OpenSSL; and OpenSSL's TLS client completes a verified handshake with the server context. Needs the openssl command
 * (.ci/run installs it).
 */
class OpenSslInteropTest {
    private static final String HOST = "mx.example.test";

    @TempDir
    Path dir;
    private final ExecutorService server = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow();
        server.awaitTermination(10, TimeUnit.SECONDS);
    }

    private record Result(int exit, String output) {
    }

    private Result openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("openssl " + args[0] + " did not finish in 60 s");
        }
        return new Result(process.exitValue(), output);
    }

    private void ok(String... args) throws Exception {
        Result result = openssl(args);
        assertEquals(0, result.exit(), String.join(" ", args) + ": " + result.output());
    }

    private ServerCertificates certificates() {
        return new ServerCertificates(dir.resolve("tls"), Clock.systemUTC());
    }

    @Test
    void readsAnOpenSslCertificateWithItsPkcs8Key() throws Exception {
        ok("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "30",
                "-subj", "/CN=" + HOST, "-addext", "subjectAltName=DNS:" + HOST);
        assertTrue(Files.readString(dir.resolve("key.pem")).startsWith("-----BEGIN PRIVATE KEY-----"));
        KeyMaterial material = certificates().configured(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        assertEquals("CN=" + HOST, material.leaf().getSubjectX500Principal().getName());
    }

    @Test
    void readsTheTraditionalRsaAndEcKeyFiles() throws Exception {
        ok("genrsa", "-traditional", "-out", "rsa.pem", "2048");
        assertTrue(Files.readString(dir.resolve("rsa.pem")).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        ok("req", "-new", "-x509", "-key", "rsa.pem", "-out", "rsa.crt", "-days", "30", "-subj", "/CN=" + HOST);
        KeyMaterial rsa = certificates().configured(dir.resolve("rsa.crt"), dir.resolve("rsa.pem"));
        assertTrue(rsa.key() instanceof RSAPrivateKey);

        ok("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec.pem");
        assertTrue(Files.readString(dir.resolve("ec.pem")).startsWith("-----BEGIN EC PARAMETERS-----"));
        ok("req", "-new", "-x509", "-key", "ec.pem", "-out", "ec.crt", "-days", "30", "-subj", "/CN=" + HOST);
        KeyMaterial ec = certificates().configured(dir.resolve("ec.crt"), dir.resolve("ec.pem"));
        assertTrue(ec.key() instanceof ECPrivateKey);
    }

    @Test
    void openSslReadsTheGeneratedCertificateAndKey() throws Exception {
        certificates().selfSigned(HOST);
        Path cert = dir.resolve("tls/selfsigned-" + HOST + ".crt");
        Path key = dir.resolve("tls/selfsigned-" + HOST + ".key");
        Result text = openssl("x509", "-in", cert.toString(), "-noout", "-subject", "-ext", "subjectAltName,basicConstraints");
        assertEquals(0, text.exit(), text.output());
        assertTrue(text.output().contains("CN = " + HOST), text.output());
        assertTrue(text.output().contains("DNS:" + HOST), text.output());
        assertTrue(text.output().contains("CA:FALSE"), text.output());
        ok("pkey", "-in", key.toString(), "-noout");
        Result modulusOfKey = openssl("rsa", "-in", key.toString(), "-noout", "-modulus");
        Result modulusOfCert = openssl("x509", "-in", cert.toString(), "-noout", "-modulus");
        assertEquals(modulusOfCert.output(), modulusOfKey.output(), "the key belongs to the certificate");
    }

    @Test
    void openSslClientVerifiesTheServerWithTls13AndTls12() throws Exception {
        ServerTls tls = ServerTls.of(certificates().selfSigned(HOST));
        Path trusted = dir.resolve("tls/selfsigned-" + HOST + ".crt");
        for (String version : List.of("-tls1_3", "-tls1_2")) {
            try (SSLServerSocket listening = (SSLServerSocket) tls.context().getServerSocketFactory()
                    .createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
                listening.setSSLParameters(tls.parameters());
                listening.setSoTimeout(30_000);
                server.submit(() -> greetOnce(listening));
                Result result = openssl("s_client", "-connect", "127.0.0.1:" + listening.getLocalPort(), version,
                        "-servername", HOST, "-verify_hostname", HOST, "-CAfile", trusted.toString(), "-verify_return_error", "-brief");
                assertEquals(0, result.exit(), result.output());
                assertTrue(result.output().contains("Verification: OK"), result.output());
                String expected = version.equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2";
                assertTrue(result.output().contains("Protocol version: " + expected), result.output());
            }
        }
    }

    private static void greetOnce(SSLServerSocket listening) {
        try (Socket accepted = listening.accept()) {
            accepted.setSoTimeout(30_000);
            accepted.getOutputStream().write("220 mx.example.test ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            accepted.getOutputStream().flush();
            accepted.getInputStream().read();
        } catch (IOException e) {
            // the client went away: nothing to clean up beyond the socket
        }
    }
}
