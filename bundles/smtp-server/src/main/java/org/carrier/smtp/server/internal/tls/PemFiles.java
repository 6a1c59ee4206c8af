package org.carrier.smtp.server.internal.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.carrier.api.file.FileModes;

/**
 * Reads and writes certificates and private keys in PEM (RFC 7468), the form administrators get from their CA or
 * from certbot. Keys may be PKCS#8 ({@code PRIVATE KEY}) or the OpenSSL forms {@code RSA PRIVATE KEY} and
 * {@code EC PRIVATE KEY}; encrypted keys are refused, since a server starting unattended has no passphrase to give.
 * Only the JDK's providers are used: nothing is registered globally.
 */
public final class PemFiles {
    /** EF BB BF read as ISO-8859-1. */
    private static final String UTF8_BOM = "\u00ef\u00bb\u00bf";

    private PemFiles() {
    }

    /** The certificates of {@code file} in their order (the leaf first, as RFC 8446 §4.4.2 and servers expect). */
    public static List<X509Certificate> readCertificates(Path file) throws PemFileException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object block : readBlocks(file)) {
            if (!(block instanceof X509CertificateHolder holder)) {
                throw new PemFileException(file, "holds " + describe(block) + " where a CERTIFICATE was expected");
            }
            try {
                chain.add(converter.getCertificate(holder));
            } catch (CertificateException e) {
                throw new PemFileException(file, "certificate " + (chain.size() + 1) + " is not a valid X.509 certificate: " + e.getMessage(), e);
            }
        }
        if (chain.isEmpty()) {
            throw new PemFileException(file, "no PEM certificate (-----BEGIN CERTIFICATE-----) found");
        }
        return chain;
    }

    /** The one private key of {@code file}. EC parameter blocks that OpenSSL writes before an EC key are skipped. */
    public static PrivateKey readPrivateKey(Path file) throws PemFileException {
        PrivateKeyInfo found = null;
        for (Object block : readBlocks(file)) {
            PrivateKeyInfo info;
            if (block instanceof PrivateKeyInfo pkcs8) {
                info = pkcs8;
            } else if (block instanceof PEMKeyPair pair) {
                info = pair.getPrivateKeyInfo();
            } else if (block instanceof ASN1ObjectIdentifier || block instanceof X9ECParameters) {
                continue;
            } else if (block instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new PemFileException(file, "the private key is encrypted; give an unencrypted key (openssl pkey -in KEY -out PLAIN) and protect the file by its permissions");
            } else {
                throw new PemFileException(file, "holds " + describe(block) + " where a PRIVATE KEY was expected");
            }
            if (found != null) {
                throw new PemFileException(file, "holds more than one private key");
            }
            found = info;
        }
        if (found == null) {
            throw new PemFileException(file, "no PEM private key (-----BEGIN PRIVATE KEY-----) found");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(found);
        } catch (PEMException e) {
            throw new PemFileException(file, "the private key cannot be read (only RSA and EC keys are supported): " + e.getMessage(), e);
        }
    }

    /** Writes the chain as consecutive CERTIFICATE blocks, atomically (readers never see half a file). */
    public static void writeCertificates(Path file, List<X509Certificate> chain) throws IOException {
        StringWriter text = new StringWriter();
        try (PemWriter pem = new PemWriter(text)) {
            for (X509Certificate certificate : chain) {
                pem.writeObject(new PemObject("CERTIFICATE", certificate.getEncoded()));
            }
        } catch (CertificateEncodingException e) {
            throw new IOException(file + ": certificate cannot be encoded: " + e.getMessage(), e);
        }
        writeAtomically(file, text.toString());
    }

    /** Writes the key as PKCS#8 {@code PRIVATE KEY}, readable and writable by its owner only (on POSIX file systems). */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        StringWriter text = new StringWriter();
        try (PemWriter pem = new PemWriter(text)) {
            pem.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
        }
        writeAtomically(file, text.toString());
    }

    /**
     * The PEM blocks of {@code file}. Text around the blocks (openssl's "Bag Attributes", comments in any charset) is
     * ignored, and so is a UTF-8 byte order mark that some editors put in front.
     */
    private static List<Object> readBlocks(Path file) throws PemFileException {
        List<Object> blocks = new ArrayList<>();
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new PemFileException(file, "no such file", e);
        } catch (IOException e) {
            throw new PemFileException(file, "cannot be read: " + e.getMessage(), e);
        }
        if (text.startsWith(UTF8_BOM)) {
            text = text.substring(UTF8_BOM.length());
        }
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object block = parser.readObject(); block != null; block = parser.readObject()) {
                blocks.add(block);
            }
        } catch (IOException | RuntimeException e) {
            // PEMParser reports bad base64, a missing END line or undecodable DER as IOException or runtime exceptions.
            throw new PemFileException(file, "not a readable PEM file: " + e.getMessage(), e);
        }
        return blocks;
    }

    private static String describe(Object block) {
        if (block instanceof X509CertificateHolder) {
            return "a CERTIFICATE";
        }
        if (block instanceof PrivateKeyInfo || block instanceof PEMKeyPair) {
            return "a PRIVATE KEY";
        }
        return "a " + block.getClass().getSimpleName() + " block";
    }

    /**
     * Write to a temporary file in the same folder, sync it, then rename over the target. The key is 0600 from the
     * moment the file exists (the certificate too: Carrier's data is its user's alone), in a 0700 folder.
     */
    private static void writeAtomically(Path file, String text) throws IOException {
        Path folder = FileModes.PRIVATE.createFolders(file.toAbsolutePath().getParent());
        Path temp = Files.createTempFile(folder, ".tmp-", ".pem", FileModes.PRIVATE.fileAttributes(folder));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 Writer writer = Channels.newWriter(channel, StandardCharsets.US_ASCII)) {
                writer.write(text);
                writer.flush();
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
