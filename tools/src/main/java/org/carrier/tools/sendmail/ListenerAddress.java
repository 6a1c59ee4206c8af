package org.carrier.tools.sendmail;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.carrier.api.net.HostPort;

/**
 * Which SMTP listener bin/sendmail hands mail to: from the listener configurations in {@code config/}
 * ({@code org.carrier.smtp.listener-NAME.cfg}), one of role {@code mx} (submission ones want AUTH) that takes
 * connections without a PROXY header, preferring one on a loopback or wildcard address (trusted by default, so it
 * relays) and the one named {@code default}. {@code CARRIER_SMTP=host:port} overrides the choice.
 */
final class ListenerAddress {
    private static final Pattern NUMBER = Pattern.compile("(\\d+)");
    /** The listener's defaults (ListenerComponent's configuration). */
    private static final String DEFAULT_BIND = "127.0.0.1";
    private static final int DEFAULT_PORT = 2525;

    private ListenerAddress() {
    }

    static InetSocketAddress find(Path configFolder, String override) throws SubmitFailure {
        if (override != null && !override.isBlank()) {
            try {
                HostPort listener = HostPort.parseWithPort(override);
                return new InetSocketAddress(listener.host(), listener.port());
            } catch (IllegalArgumentException e) {
                throw new SubmitFailure(SubmitFailure.USAGE, "CARRIER_SMTP must be host:port, not " + override);
            }
        }
        List<Candidate> candidates = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(configFolder, "org.carrier.smtp.listener-*.cfg")) {
            for (Path file : files) {
                candidate(file).ifPresent(candidates::add);
            }
        } catch (IOException e) {
            throw new SubmitFailure(SubmitFailure.UNAVAILABLE, "cannot read the listener configuration in " + configFolder
                    + " (" + e.getMessage() + ")");
        }
        return candidates.stream().min(Comparator.comparing(Candidate::rank).thenComparing(Candidate::name))
                .map(Candidate::address)
                .orElseThrow(() -> new SubmitFailure(SubmitFailure.UNAVAILABLE, "no SMTP listener of role mx without proxyNetworks in "
                        + configFolder + " to submit to; set CARRIER_SMTP=host:port"));
    }

    private record Candidate(String name, int rank, InetSocketAddress address) {
    }

    private static Optional<Candidate> candidate(Path file) throws IOException {
        Properties settings = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            settings.load(reader);
        }
        String role = value(settings, "role", "mx");
        if (!role.equalsIgnoreCase("mx") || !value(settings, "proxyNetworks", "").isEmpty()) {
            return Optional.empty();
        }
        String bind = value(settings, "bindAddress", DEFAULT_BIND);
        Matcher port = NUMBER.matcher(value(settings, "port", String.valueOf(DEFAULT_PORT)));
        if (!port.find()) {
            return Optional.empty();
        }
        boolean wildcard = bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]") || bind.isEmpty();
        boolean loopback = bind.startsWith("127.") || bind.equals("::1") || bind.equals("localhost");
        String host = wildcard ? "127.0.0.1" : bind.replace("[", "").replace("]", "");
        String name = value(settings, "name", file.getFileName().toString());
        int rank = (loopback || wildcard ? 0 : 2) + (name.equals("default") ? 0 : 1);
        return Optional.of(new Candidate(name, rank, new InetSocketAddress(host, Integer.parseInt(port.group(1)))));
    }

    /** A .cfg value, without the quotes of FileInstall's typed form ({@code port = I"2525"} is a number too). */
    private static String value(Properties settings, String key, String fallback) {
        String value = settings.getProperty(key);
        if (value == null) {
            return fallback;
        }
        String trimmed = value.trim();
        if (trimmed.endsWith("\"") && trimmed.indexOf('"') < trimmed.length() - 1) {
            trimmed = trimmed.substring(trimmed.indexOf('"') + 1, trimmed.length() - 1);
        }
        return trimmed;
    }
}
