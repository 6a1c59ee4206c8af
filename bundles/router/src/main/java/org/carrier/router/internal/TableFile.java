package org.carrier.router.internal;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.commons.configuration2.PropertiesConfiguration;

/**
 * A lookup table file in properties syntax ({@code key = value}, {@code #} comments, {@code \} continuation lines),
 * read with Commons Configuration's properties reader so that every entry keeps its line number for error messages.
 * A missing file is an empty table.
 */
final class TableFile {
    /** One entry: the key in lower case (addresses and local parts are looked up case-insensitively), the value and its line. */
    record Entry(String key, String value, int line) {
    }

    private TableFile() {
    }

    static List<Entry> read(Path file) throws TableException {
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             PropertiesConfiguration.PropertiesReader reader = new PropertiesConfiguration.PropertiesReader(in)) {
            while (reader.nextProperty()) {
                int line = reader.getLineNumber();
                String key = reader.getPropertyName().trim().toLowerCase(Locale.ROOT);
                String value = reader.getPropertyValue().trim();
                if (value.isEmpty()) {
                    throw new TableException(file, line, "\"" + key + "\" has no value (expected: key = value)");
                }
                Integer earlier = seen.putIfAbsent(key, line);
                if (earlier != null) {
                    throw new TableException(file, line, "\"" + key + "\" is already defined on line " + earlier);
                }
                entries.add(new Entry(key, value, line));
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new TableException(file, 0, "cannot read: " + e.getMessage());
        }
        return entries;
    }
}
