package org.carrier.smtp.server.internal.table;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.configuration2.PropertiesConfiguration.PropertiesReader;

/**
 * The lines of a table file keyed by user name, in properties syntax (UTF-8; {@code user = value}, {@code user: value}
 * or {@code user value}; {@code #} comments, {@code \} continuation lines), read with Commons Configuration's
 * properties reader so that each keeps its line number. User names are exact (they are compared with the AUTH
 * identity as given); each may appear once.
 */
public final class UserLines {
    /** One line: the user, the value (both stripped) and the line number. */
    public record Line(String user, String value, int number) {
    }

    private UserLines() {
    }

    static List<Line> read(Path file) throws IOException, BadLine {
        List<Line> lines = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        try (PropertiesReader reader = new PropertiesReader(new StringReader(text(file)))) {
            while (nextProperty(reader)) {
                int number = reader.getLineNumber();
                String user = reader.getPropertyName().strip();
                if (user.isEmpty()) {
                    throw new BadLine(number, "no user name before the separator");
                }
                Integer first = seen.putIfAbsent(user, number);
                if (first != null) {
                    throw new BadLine(number, "user " + user + " is already defined on line " + first);
                }
                lines.add(new Line(user, reader.getPropertyValue().strip(), number));
            }
        }
        return lines;
    }

    /** The file as text; octets that are not UTF-8 make a bad line (a Latin-1 name would otherwise never match). */
    private static String text(Path file) throws IOException, BadLine {
        byte[] octets = Files.readAllBytes(file);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(octets);
        CharBuffer out = CharBuffer.allocate(octets.length);
        if (decoder.decode(in, out, true).isError()) {
            int line = 1;
            for (int i = 0; i < in.position(); i++) {
                line += octets[i] == '\n' ? 1 : 0;
            }
            throw new BadLine(line, "not UTF-8");
        }
        decoder.flush(out);
        return out.flip().toString();
    }

    /** The reader's own errors (a bad escape such as \\u12) become a bad line too. */
    private static boolean nextProperty(PropertiesReader reader) throws BadLine {
        try {
            return reader.nextProperty();
        } catch (IOException | RuntimeException e) {
            throw new BadLine(reader.getLineNumber() + 1, String.valueOf(e.getMessage()));
        }
    }
}
