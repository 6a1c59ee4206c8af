package org.carrier.cluster.internal;

import java.lang.reflect.Array;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One configuration as a node published it: the PID (and factory PID), the node it was changed on, its version (a
 * cluster-wide counter, so "later" does not depend on the nodes' clocks), the version the node knew before (to see
 * two changes made without knowledge of each other), when, and its properties with their types (or that it was
 * deleted). The text form is what the stored copy and the channel carry: one line a field, every name and value
 * URL-encoded, so no value can break the framing.
 *
 * @param properties sorted by key; empty for a deletion
 */
record ConfigChange(String pid, String factoryPid, String origin, long version, long base, Instant time, boolean deleted,
                    Map<String, Object> properties) {
    private static final String MAGIC = "carrier-config 1";

    ConfigChange {
        properties = properties == null ? Map.of() : new TreeMap<>(properties);
    }

    ConfigChange withVersion(long assigned) {
        return new ConfigChange(pid, factoryPid, origin, assigned, base, time, deleted, properties);
    }

    /** The content alone (deleted, or the typed properties), to compare two states of one configuration. */
    static String fingerprint(Map<String, Object> properties) {
        if (properties == null) {
            return "deleted";
        }
        StringBuilder out = new StringBuilder();
        new TreeMap<>(properties).forEach((key, value) -> property(out, key, value));
        return out.toString();
    }

    String fingerprint() {
        return deleted ? "deleted" : fingerprint(properties);
    }

    /** "node a's change of 2026-12-07T12:00:00Z (version 7)", for log lines. */
    String describe() {
        return "node " + origin + "'s " + (deleted ? "deletion" : "change") + " of " + time + " (version " + version + ")";
    }

    String encode() {
        StringBuilder out = new StringBuilder(MAGIC).append('\n');
        out.append("pid ").append(enc(pid)).append('\n');
        if (factoryPid != null) {
            out.append("factory ").append(enc(factoryPid)).append('\n');
        }
        out.append("origin ").append(enc(origin)).append('\n');
        out.append("version ").append(version).append('\n');
        out.append("base ").append(base).append('\n');
        out.append("time ").append(time).append('\n');
        out.append("deleted ").append(deleted).append('\n');
        properties.forEach((key, value) -> property(out, key, value));
        return out.toString();
    }

    /** @throws IllegalArgumentException for text that is not a change (another program's, or a newer format) */
    static ConfigChange decode(String text) {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].equals(MAGIC)) {
            throw new IllegalArgumentException("not a configuration change (" + MAGIC + ")");
        }
        String pid = null;
        String factory = null;
        String origin = "";
        long version = 0;
        long base = 0;
        Instant time = Instant.EPOCH;
        boolean deleted = false;
        Map<String, Object> properties = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(" ", -1);
            switch (f[0]) {
                case "pid" -> pid = dec(f[1]);
                case "factory" -> factory = dec(f[1]);
                case "origin" -> origin = dec(f[1]);
                case "version" -> version = Long.parseLong(f[1]);
                case "base" -> base = Long.parseLong(f[1]);
                case "time" -> time = Instant.parse(f[1]);
                case "deleted" -> deleted = Boolean.parseBoolean(f[1]);
                case "p" -> properties.put(dec(f[1]), scalar(f[2], dec(f[3])));
                case "a", "l" -> properties.put(dec(f[1]), many(f));
                default -> throw new IllegalArgumentException("unknown field " + f[0]);
            }
        }
        if (pid == null || pid.isEmpty()) {
            throw new IllegalArgumentException("no pid");
        }
        return new ConfigChange(pid, factory, origin, version, base, time, deleted, properties);
    }

    /** {@code p KEY TYPE VALUE}, {@code a KEY TYPE N V...} (an array) or {@code l KEY TYPE N V...} (a collection). */
    private static void property(StringBuilder out, String key, Object value) {
        if (value != null && value.getClass().isArray()) {
            int n = Array.getLength(value);
            out.append("a ").append(enc(key)).append(' ').append(value.getClass().getComponentType().getSimpleName()).append(' ').append(n);
            for (int i = 0; i < n; i++) {
                out.append(" v").append(enc(String.valueOf(Array.get(value, i))));
            }
        } else if (value instanceof Collection<?> values) {
            String type = values.isEmpty() ? "String" : values.iterator().next().getClass().getSimpleName();
            out.append("l ").append(enc(key)).append(' ').append(type).append(' ').append(values.size());
            for (Object v : values) {
                out.append(" v").append(enc(String.valueOf(v)));
            }
        } else {
            out.append("p ").append(enc(key)).append(' ').append(value == null ? "String" : value.getClass().getSimpleName())
                    .append(' ').append(enc(String.valueOf(value)));
        }
        out.append('\n');
    }

    private static Object many(String[] f) {
        String type = f[2];
        int n = Integer.parseInt(f[3]);
        List<Object> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String token = f[4 + i];
            if (!token.startsWith("v")) {
                throw new IllegalArgumentException("bad list element " + token);
            }
            values.add(scalar(type, dec(token.substring(1))));
        }
        if (f[0].equals("l")) {
            return values;
        }
        Object array = Array.newInstance(componentType(type), n);
        for (int i = 0; i < n; i++) {
            Array.set(array, i, values.get(i));
        }
        return array;
    }

    private static Class<?> componentType(String type) {
        return switch (type) {
            case "int" -> int.class;
            case "long" -> long.class;
            case "boolean" -> boolean.class;
            case "double" -> double.class;
            case "float" -> float.class;
            case "short" -> short.class;
            case "byte" -> byte.class;
            case "char" -> char.class;
            case "Integer" -> Integer.class;
            case "Long" -> Long.class;
            case "Boolean" -> Boolean.class;
            case "Double" -> Double.class;
            case "Float" -> Float.class;
            case "Short" -> Short.class;
            case "Byte" -> Byte.class;
            case "Character" -> Character.class;
            default -> String.class;
        };
    }

    /** The types ConfigAdmin allows (OSGi Compendium §104.4.3), by simple name; anything else travels as text. */
    private static Object scalar(String type, String text) {
        return switch (type) {
            case "Integer", "int" -> Integer.valueOf(text);
            case "Long", "long" -> Long.valueOf(text);
            case "Boolean", "boolean" -> Boolean.valueOf(text);
            case "Double", "double" -> Double.valueOf(text);
            case "Float", "float" -> Float.valueOf(text);
            case "Short", "short" -> Short.valueOf(text);
            case "Byte", "byte" -> Byte.valueOf(text);
            case "Character", "char" -> text.charAt(0);
            default -> text;
        };
    }

    private static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static String dec(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
