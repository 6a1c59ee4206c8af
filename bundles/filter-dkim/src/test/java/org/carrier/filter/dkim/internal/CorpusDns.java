package org.carrier.filter.dkim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.carrier.api.dns.DnsResolver;
import org.carrier.testing.dns.CarrierResolver;
import org.carrier.testing.NsdServer;

/**
 * The key records of the test corpora served by a real nsd on loopback: Mail::DKIM's FAKE_DNS.dat and the RFC 8463
 * example records. A name marked as a DNS error there gets a zone of its own that nsd cannot load, so it answers
 * SERVFAIL (a timeout and a SERVFAIL are the same to a verifier: "try again later").
 */
final class CorpusDns implements AutoCloseable {
    private final NsdServer nsd;
    private final DnsResolver resolver;

    private CorpusDns(NsdServer nsd) {
        this.nsd = nsd;
        this.resolver = CarrierResolver.of(Map.of("servers", nsd.server(), "timeoutMillis", 1000, "retries", 0));
    }

    static CorpusDns start(Map<String, String> extraZones) throws IOException, InterruptedException {
        Map<String, StringBuilder> zones = new LinkedHashMap<>();
        for (String line : resource("corpus/mail-dkim/FAKE_DNS.dat").split("\r?\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] nameValue = line.strip().split("\\s+", 2);
            String name = nameValue[0];
            String value = nameValue[1].strip();
            String domain = name.substring(name.indexOf("._domainkey.") + "._domainkey.".length());
            String relative = name.substring(0, name.length() - domain.length() - 1);
            if (value.equals("NXDOMAIN")) {
                zones.computeIfAbsent(domain, d -> new StringBuilder());
            } else if (value.startsWith("~~")) {
                zones.put(domain, new StringBuilder("this line is not a resource record\n"));
            } else {
                zones.computeIfAbsent(domain, d -> new StringBuilder()).append(relative).append(" TXT ")
                        .append(value.equals("\"\"") ? "\"\"" : NsdServer.txt(value)).append('\n');
            }
        }
        Map<String, String> all = new LinkedHashMap<>();
        zones.forEach((domain, records) -> all.put(domain, records.toString()));
        all.putAll(extraZones);
        return new CorpusDns(NsdServer.start(all, 60));
    }

    static String resource(String path) {
        try (InputStream in = CorpusDns.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A message as the SMTP server hands it over: CRLF line ends. */
    static byte[] message(String path) {
        return resource(path).replaceAll("(?<!\r)\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    DnsResolver resolver() {
        return resolver;
    }

    static Duration timeout() {
        return Duration.ofSeconds(5);
    }

    @Override
    public void close() {
        nsd.close();
    }
}
