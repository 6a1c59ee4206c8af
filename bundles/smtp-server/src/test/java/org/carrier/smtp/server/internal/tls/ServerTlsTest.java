package org.carrier.smtp.server.internal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.carrier.smtp.server.internal.tls.SelfSignedCertificate.KeyType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real TLS handshakes over loopback between the server context and the JDK's own client. */
class ServerTlsTest {
    private static final String HOST = "mx.example.test";
    private final ExecutorService server = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow();
        server.awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    void aJdkClientCompletesAHandshakeAndChecksTheHostName() throws Exception {
        for (KeyType type : KeyType.values()) {
            ServerTls tls = ServerTls.of(SelfSignedCertificate.generate(HOST, type, Instant.now()));
            try (SSLServerSocket listening = listen(tls)) {
                Future<String> served = serveOneLine(listening);
                try (SSLSocket client = connect(listening, trusting(tls.keyMaterial().leaf()), HOST, null)) {
                    client.startHandshake();
                    assertEquals("TLSv1.3", client.getSession().getProtocol());
                    assertEquals(tls.keyMaterial().leaf(), client.getSession().getPeerCertificates()[0]);
                    OutputStream out = client.getOutputStream();
                    out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                    assertEquals("250 got EHLO client.test", in.readLine());
                }
                assertEquals("EHLO client.test", served.get(10, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void tls12IsAcceptedAndOlderVersionsAreNotOffered() throws Exception {
        ServerTls tls = ServerTls.of(SelfSignedCertificate.generate(HOST, KeyType.RSA, Instant.now()));
        try (SSLServerSocket listening = listen(tls)) {
            Future<String> served = serveOneLine(listening);
            try (SSLSocket client = connect(listening, trusting(tls.keyMaterial().leaf()), HOST, "TLSv1.2")) {
                client.startHandshake();
                assertEquals("TLSv1.2", client.getSession().getProtocol());
            }
            served.cancel(true);
        }
        assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, tls.parameters().getProtocols());
        SSLEngine engine = tls.newEngine();
        assertFalse(engine.getUseClientMode());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), List.of(engine.getEnabledProtocols()));
    }

    @Test
    void aClientExpectingAnotherNameRefusesTheCertificate() throws Exception {
        ServerTls tls = ServerTls.of(SelfSignedCertificate.generate(HOST, KeyType.RSA, Instant.now()));
        try (SSLServerSocket listening = listen(tls)) {
            serveOneLine(listening);
            try (SSLSocket client = connect(listening, trusting(tls.keyMaterial().leaf()), "other.example.test", null)) {
                assertThrows(SSLHandshakeException.class, client::startHandshake);
            }
        }
    }

    private static SSLServerSocket listen(ServerTls tls) throws Exception {
        SSLServerSocket socket = (SSLServerSocket) tls.context().getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress());
        socket.setSSLParameters(tls.parameters());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Accepts one connection, reads one line and answers it. */
    private Future<String> serveOneLine(SSLServerSocket listening) {
        CompletableFuture<String> line = new CompletableFuture<>();
        server.submit(() -> {
            try (Socket accepted = listening.accept()) {
                accepted.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(accepted.getInputStream(), StandardCharsets.US_ASCII));
                String received = in.readLine();
                accepted.getOutputStream().write(("250 got " + received + "\r\n").getBytes(StandardCharsets.US_ASCII));
                accepted.getOutputStream().flush();
                line.complete(received);
            } catch (Exception e) {
                line.completeExceptionally(e);
            }
        });
        return line;
    }

    /** A client that trusts only {@code certificate} and checks the name it expects, as an SMTP client with DANE-less PKIX does. */
    private static SSLSocket connect(SSLServerSocket listening, SSLContext context, String expectedName, String onlyProtocol) throws Exception {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listening.getLocalPort()), 10_000);
        plain.setSoTimeout(10_000);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, expectedName, listening.getLocalPort(), true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (onlyProtocol != null) {
            parameters.setProtocols(new String[] {onlyProtocol});
        }
        socket.setSSLParameters(parameters);
        return socket;
    }

    private static SSLContext trusting(X509Certificate certificate) throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("server", certificate);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
