package org.carrier.mtasts.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.HostAddresses;
import org.carrier.api.text.Printable;
import org.carrier.api.tls.TlsFailureType;

/**
 * Fetches {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} (RFC 8461 §3.3) as a careful sender must: the
 * host's addresses from Carrier's {@link DnsResolver} (the configured servers, never the system resolver, as for
 * every other name Carrier looks up; the JDK's HTTP client knows only the system's), a certificate valid for the
 * host in the Web PKI (PKIX and the host name, RFC 6125), no redirect followed, status 200 only, {@code text/plain}
 * only, at most {@code maxBytes} of body and one deadline for the whole fetch, so a server that sends a byte a
 * second cannot hold a delivery thread. HTTP/1.1 with {@code Connection: close}: one request per connection.
 */
final class PolicyFetcher {
    static final String PATH = "/.well-known/mta-sts.txt";
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    /** The limits of one fetch. */
    record Limits(Duration timeout, int maxBytes, int port) {
    }

    private final DnsResolver dns;
    private final SSLSocketFactory tls;
    private final ScheduledExecutorService timer;

    PolicyFetcher(DnsResolver dns, SSLSocketFactory tls, ScheduledExecutorService timer) {
        this.dns = dns;
        this.tls = tls;
        this.timer = timer;
    }

    static String host(String domain) {
        return "mta-sts." + domain;
    }

    static String url(String domain, int port) {
        return "https://" + host(domain) + (port == 443 ? "" : ":" + port) + PATH;
    }

    /**
     * The policy text of {@code domain}.
     *
     * @throws FetchFailure {@code sts-webpki-invalid} for a certificate that is not valid for the host,
     *                      {@code sts-policy-invalid} for a body that is not a policy file (type, size),
     *                      {@code sts-policy-fetch-error} for anything else (no address, refused, status, redirect,
     *                      timeout)
     */
    String fetch(String domain, Limits limits) throws FetchFailure {
        String host = host(domain);
        long deadline = System.nanoTime() + limits.timeout().toNanos();
        List<InetAddress> addresses;
        try {
            addresses = HostAddresses.of(host, dns, limits.timeout());
        } catch (DnsLookupException e) {
            throw new FetchFailure(TlsFailureType.STS_POLICY_FETCH_ERROR, "no address for " + host + ": " + e.getMessage());
        }
        FetchFailure last = null;
        for (InetAddress address : addresses) {
            try {
                return fetchFrom(address, host, limits, deadline);
            } catch (FetchFailure e) {
                last = e; // RFC 8461 §3.3 asks for one policy; another address of the host may serve it
            }
        }
        throw last;
    }

    private String fetchFrom(InetAddress address, String host, Limits limits, long deadline) throws FetchFailure {
        String where = url(host.substring("mta-sts.".length()), limits.port()) + " [" + address.getHostAddress() + "]";
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new FetchFailure(TlsFailureType.STS_POLICY_FETCH_ERROR, where + ": no answer within " + limits.timeout().toSeconds() + " s");
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        Socket plain = new Socket();
        // One deadline for connect, handshake and body: closing the socket ends whatever read is blocked.
        ScheduledFuture<?> watchdog = timer.schedule(() -> {
            timedOut.set(true);
            closeQuietly(plain);
        }, left, TimeUnit.MILLISECONDS);
        try {
            plain.connect(new InetSocketAddress(address, limits.port()), (int) Math.max(1, left));
            SSLSocket socket = (SSLSocket) tls.createSocket(plain, host, limits.port(), true);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(host)));
            parameters.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 8461 §3.3: the certificate must name the host
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return exchange(socket, host, limits.maxBytes(), where);
        } catch (SSLHandshakeException e) {
            if (timedOut.get()) {
                throw timeout(where, limits);
            }
            throw new FetchFailure(certificateProblem(e) ? TlsFailureType.STS_WEBPKI_INVALID : TlsFailureType.STS_POLICY_FETCH_ERROR,
                    where + ": " + e.getMessage());
        } catch (IOException e) {
            if (timedOut.get()) {
                throw timeout(where, limits);
            }
            throw new FetchFailure(TlsFailureType.STS_POLICY_FETCH_ERROR, where + ": " + e);
        } finally {
            watchdog.cancel(false);
            closeQuietly(plain);
        }
    }

    private static FetchFailure timeout(String where, Limits limits) {
        return new FetchFailure(TlsFailureType.STS_POLICY_FETCH_ERROR, where + ": no complete answer within " + limits.timeout().toSeconds() + " s");
    }

    private static boolean certificateProblem(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertificateException || cause instanceof java.security.cert.CertPathValidatorException) {
                return true;
            }
        }
        return false;
    }

    private static String exchange(SSLSocket socket, String host, int maxBytes, String where) throws IOException, FetchFailure {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + PATH + " HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/plain\r\nUser-Agent: Carrier MTA-STS\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        HttpHead head = HttpHead.read(in, MAX_HEADER_BYTES);
        if (head.status() >= 300 && head.status() < 400) {
            // RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed"
            throw new FetchFailure(TlsFailureType.STS_POLICY_FETCH_ERROR, where + ": redirect (" + head.status() + ") to "
                    + Printable.ascii(head.header("location")) + " not followed (RFC 8461 §3.3)");
        }
        if (head.status() != 200) {
            throw new FetchFailure(TlsFailureType.STS_POLICY_FETCH_ERROR, where + ": HTTP status " + head.status() + ", not 200");
        }
        String type = head.header("content-type");
        String mediaType = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("text/plain")) {
            throw new FetchFailure(TlsFailureType.STS_POLICY_INVALID, where + ": content type \"" + Printable.ascii(type)
                    + "\", not text/plain (RFC 8461 §3.2)");
        }
        byte[] body = HttpHead.body(head, in, maxBytes);
        if (body == null) {
            throw new FetchFailure(TlsFailureType.STS_POLICY_INVALID, where + ": the policy is larger than " + maxBytes
                    + " bytes (RFC 8461 §3.3 limit, setting maxPolicyBytes)");
        }
        return new String(body, StandardCharsets.UTF_8);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
    }

    /** Reads the rest of a stream into memory, at most {@code max} bytes; null if there is more. */
    static byte[] upTo(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) > 0; ) {
            out.write(buffer, 0, n);
            if (out.size() > max) {
                return null;
            }
        }
        return out.toByteArray();
    }
}
