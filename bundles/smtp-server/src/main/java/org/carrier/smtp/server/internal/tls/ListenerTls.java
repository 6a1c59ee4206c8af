package org.carrier.smtp.server.internal.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of one listener, following its certificate files: when the administrator's certificate or key file changes
 * (a renewal by certbot or an ACME client), the next {@link #current()} after the check interval loads the new pair,
 * so that new TLS sessions get it without a restart. A pair that cannot be used (half written, key and certificate
 * not matching yet) is logged with its file and problem, and the last good one stays in force; sessions already in
 * TLS are never touched. A generated self-signed certificate is not watched.
 */
public final class ListenerTls {
    private static final Logger LOG = LoggerFactory.getLogger(ListenerTls.class);
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(30);

    private final ServerCertificates certificates;
    private final List<Path> watched;
    private final Duration checkInterval;
    private final Clock clock;
    private volatile ServerTls tls;
    private volatile Object stamp;
    private volatile Object rejectedStamp;
    private volatile String problem;
    private volatile Instant nextCheck;

    private ListenerTls(ServerCertificates certificates, List<Path> watched, ServerTls tls, Duration checkInterval, Clock clock) {
        this.certificates = certificates;
        this.watched = watched;
        this.tls = tls;
        this.checkInterval = checkInterval;
        this.clock = clock;
        this.stamp = stamp(watched);
        this.nextCheck = clock.instant().plus(checkInterval);
    }

    /**
     * Loads the listener's key material as {@link ServerCertificates#load} does.
     *
     * @throws IOException naming the file and problem ({@link PemFileException}) when the configured pair is unusable
     */
    public static ListenerTls load(ServerCertificates certificates, String certificateFile, String keyFile, String hostname,
            Duration checkInterval, Clock clock) throws IOException, GeneralSecurityException {
        ServerTls tls = ServerTls.of(certificates.load(certificateFile, keyFile, hostname));
        boolean configured = certificateFile != null && !certificateFile.isBlank();
        List<Path> watched = configured ? List.of(Path.of(certificateFile.trim()), Path.of(keyFile.trim())) : List.of();
        return new ListenerTls(certificates, watched, tls, checkInterval, clock);
    }

    /** For a component: checks the files every {@link #DEFAULT_CHECK_INTERVAL}. */
    public static ListenerTls load(ServerCertificates certificates, String certificateFile, String keyFile, String hostname)
            throws IOException, GeneralSecurityException {
        return load(certificates, certificateFile, keyFile, hostname, DEFAULT_CHECK_INTERVAL, Clock.systemUTC());
    }

    /** The TLS for a new session (STARTTLS or an implicit-TLS connection); cheap, call it per session. */
    public ServerTls current() {
        Instant now = clock.instant();
        if (!watched.isEmpty() && !now.isBefore(nextCheck)) {
            nextCheck = now.plus(checkInterval);
            reloadIfChanged();
        }
        return tls;
    }

    /** Why the last changed pair was refused, while the one from before stays in force. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    private synchronized void reloadIfChanged() {
        Object now = stamp(watched);
        if (now.equals(stamp) || now.equals(rejectedStamp)) {
            return;
        }
        try {
            ServerTls next = ServerTls.of(certificates.configured(watched.get(0), watched.get(1)));
            tls = next;
            stamp = now;
            problem = null;
            LOG.info("{}: certificate changed; new TLS sessions use {}", watched.get(0), next.describe());
        } catch (IOException | GeneralSecurityException e) {
            rejectedStamp = now;
            problem = e.getMessage();
            LOG.error("{}; TLS keeps the certificate from before: {}", e.getMessage(), tls.describe());
        }
    }

    /** Modification time, size and identity of each file: a renewal changes at least one. */
    private static Object stamp(List<Path> files) {
        return files.stream().map(file -> {
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                return List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
            } catch (IOException e) {
                return List.of("unreadable: " + e.getMessage());
            }
        }).toList();
    }
}
