package org.carrier.api.table;

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
import java.util.function.UnaryOperator;

import org.apache.commons.configuration2.PropertiesConfiguration.PropertiesReader;

/**
 * The lines of a table file in properties syntax (UTF-8; {@code key = value}, {@code key: value} or {@code key value};
 * {@code #} comments, {@code \} continuation lines), read with Commons Configuration's properties reader so that each
 * keeps its line number. Each key may appear once (as the table's key rule keeps it: {@code A} and {@code a} are one
 * key in a table that ignores case).
 */
public final class TableLines {
    private TableLines() {
    }

    /**
     * @param keys how the table keeps a key (e.g. lower case for addresses, as written for user names)
     * @throws BadLine for the first line that cannot be used, or octets that are not UTF-8
     */
    public static List<TableLine> read(Path file, UnaryOperator<String> keys) throws IOException, BadLine {
        List<TableLine> lines = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        try (PropertiesReader reader = new PropertiesReader(new StringReader(text(file)))) {
            while (nextProperty(reader)) {
                int number = reader.getLineNumber();
                String key = keys.apply(reader.getPropertyName().strip());
                if (key.isEmpty()) {
                    throw new BadLine(number, "no key before the separator");
                }
                Integer first = seen.putIfAbsent(key, number);
                if (first != null) {
                    throw new BadLine(number, "\"" + key + "\" is already defined on line " + first);
                }
                lines.add(new TableLine(key, reader.getPropertyValue().strip(), number));
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
