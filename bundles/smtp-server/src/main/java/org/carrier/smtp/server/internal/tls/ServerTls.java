package org.carrier.smtp.server.internal.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import io.netty.handler.ssl.SslHandler;

/**
 * The server side of TLS for one listener: an {@link SSLContext} holding the listener's key and chain, and engines
 * limited to TLS 1.2 and 1.3 (RFC 8996 deprecates TLS 1.0 and 1.1; RFC 8314 §4.1 asks for 1.2 or later).
 * Immutable; a changed certificate means a new instance, and sessions already in TLS keep theirs.
 */
public final class ServerTls {
    /** The protocol versions offered, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final SSLContext context;
    private final KeyMaterial material;

    private ServerTls(SSLContext context, KeyMaterial material) {
        this.context = context;
        this.material = material;
    }

    public static ServerTls of(KeyMaterial material) throws GeneralSecurityException {
        char[] password = new char[0];
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, password);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot create an in-memory key store", e);
        }
        store.setKeyEntry("server", material.key(), password, material.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, new SecureRandom());
        return new ServerTls(context, material);
    }

    /** The context itself. Engines or sockets made from it directly must get {@link #parameters()}. */
    public SSLContext context() {
        return context;
    }

    public KeyMaterial keyMaterial() {
        return material;
    }

    /** Server mode, TLS 1.2 and 1.3 only, the server's cipher suite order. */
    public SSLParameters parameters() {
        SSLParameters parameters = context.getDefaultSSLParameters();
        List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getProtocols());
        parameters.setProtocols(PROTOCOLS.stream().filter(supported::contains).toArray(String[]::new));
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNeedClientAuth(false);
        return parameters;
    }

    /**
     * The Netty handler for one connection's TLS, STARTTLS or implicit. Netty's own handshake timeout (10 s unless
     * set) is off: the session's deadline governs the handshake as it governs every turn of the client's (the
     * command timeout, 300 s by default, RFC 5321 §4.5.3.2.7; the stress timeout for an untrusted client under
     * stress), as Postfix's {@code smtpd_starttls_timeout = ${stress?{10}:{300}}s} does. With the hidden 10 s, a
     * server busy with many handshakes at once dropped sessions whose handshake waited its turn.
     */
    public SslHandler newHandler() {
        SslHandler handler = new SslHandler(newEngine());
        handler.setHandshakeTimeoutMillis(0);
        return handler;
    }

    /** A new server engine for one connection; a Netty pipeline takes {@link #newHandler()} instead. */
    public SSLEngine newEngine() {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setSSLParameters(parameters());
        return engine;
    }

    /** For logs: whose certificate and until when. */
    public String describe() {
        X509Certificate leaf = material.leaf();
        return leaf.getSubjectX500Principal().getName() + ", issued by " + leaf.getIssuerX500Principal().getName()
                + ", valid until " + leaf.getNotAfter().toInstant();
    }
}
