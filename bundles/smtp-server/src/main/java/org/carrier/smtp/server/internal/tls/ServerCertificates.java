package org.carrier.smtp.server.internal.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Date;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the key and certificate chain of a listener: the administrator's PEM files when configured, otherwise a
 * self-signed certificate for the listener's host name, generated on first start under
 * {@code <data>/tls/} and reused on later starts (DESIGN.md: "A TLS certificate is generated on first start if none
 * is configured").
 */
public final class ServerCertificates {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCertificates.class);
    /** Listeners of one Carrier may start at once and share a host name: one generates, the others reuse. */
    private static final Object GENERATION = new Object();

    private final Path tlsFolder;
    private final Clock clock;

    /** @param tlsFolder where generated certificates live, normally {@code <carrier.data.dir>/tls} */
    public ServerCertificates(Path tlsFolder, Clock clock) {
        this.tlsFolder = tlsFolder;
        this.clock = clock;
    }

    /** For a component: the {@code tls} folder under the framework property {@code carrier.data.dir} (default {@code data}). */
    public static ServerCertificates inDataDirectory(String dataDirectory) {
        return new ServerCertificates(Path.of(dataDirectory == null || dataDirectory.isBlank() ? "data" : dataDirectory, "tls"),
                Clock.systemUTC());
    }

    /**
     * The key material for a listener.
     *
     * @param certificateFile PEM certificate chain (leaf first), or blank for a self-signed certificate
     * @param keyFile         PEM private key of the leaf; blank exactly when {@code certificateFile} is
     * @param hostname        the name a self-signed certificate is made for
     * @throws PemFileException naming the file and the problem when a configured file is unusable
     */
    public KeyMaterial load(String certificateFile, String keyFile, String hostname) throws IOException {
        boolean certificateGiven = certificateFile != null && !certificateFile.isBlank();
        boolean keyGiven = keyFile != null && !keyFile.isBlank();
        if (certificateGiven != keyGiven) {
            throw new IOException("certificateFile and keyFile go together: give both, or neither for a self-signed certificate");
        }
        return certificateGiven ? configured(Path.of(certificateFile.trim()), Path.of(keyFile.trim())) : selfSigned(hostname);
    }

    /** The administrator's files; the key must belong to the first certificate. An expired certificate is only logged. */
    public KeyMaterial configured(Path certificateFile, Path keyFile) throws PemFileException {
        KeyMaterial material = new KeyMaterial(PemFiles.readPrivateKey(keyFile), PemFiles.readCertificates(certificateFile));
        if (!material.keyMatchesCertificate()) {
            throw new PemFileException(keyFile, "this key does not belong to the first certificate of " + certificateFile);
        }
        if (!validNow(material.leaf())) {
            LOG.warn("{}: the certificate is not valid now (valid {} to {}); clients that check it will refuse TLS",
                    certificateFile, material.leaf().getNotBefore(), material.leaf().getNotAfter());
        }
        return material;
    }

    /** The generated certificate for {@code hostname}: reused when readable and valid, otherwise made anew. */
    public KeyMaterial selfSigned(String hostname) throws IOException {
        String base = "selfsigned-" + hostname.replaceAll("[^A-Za-z0-9.-]", "_");
        Path certificateFile = tlsFolder.resolve(base + ".crt");
        Path keyFile = tlsFolder.resolve(base + ".key");
        synchronized (GENERATION) {
            if (Files.exists(certificateFile) && Files.exists(keyFile)) {
                try {
                    KeyMaterial existing = configured(certificateFile, keyFile);
                    if (validNow(existing.leaf())) {
                        return existing;
                    }
                    LOG.info("{}: the self-signed certificate has expired; generating a new one", certificateFile);
                } catch (PemFileException e) {
                    LOG.warn("{}; generating a new self-signed certificate", e.getMessage());
                }
            }
            KeyMaterial generated;
            try {
                generated = SelfSignedCertificate.generate(hostname, SelfSignedCertificate.KeyType.RSA, clock.instant());
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot generate a self-signed certificate for " + hostname + ": " + e.getMessage(), e);
            }
            try {
                // The key first: a certificate file without its key would be useless, a key without certificate is redone.
                PemFiles.writePrivateKey(keyFile, generated.key());
                PemFiles.writeCertificates(certificateFile, generated.chain());
            } catch (IOException e) {
                throw new IOException("cannot keep the self-signed certificate in " + tlsFolder.toAbsolutePath() + ": " + e, e);
            }
            LOG.info("generated a self-signed certificate for {} in {}; configure certificateFile and keyFile for a real one",
                    hostname, certificateFile);
            return generated;
        }
    }

    private boolean validNow(X509Certificate certificate) {
        try {
            certificate.checkValidity(Date.from(clock.instant()));
            return true;
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            return false;
        }
    }
}
