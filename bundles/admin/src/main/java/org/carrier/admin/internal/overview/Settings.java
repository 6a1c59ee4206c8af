package org.carrier.admin.internal.overview;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The rules of the configuration dump ({@code carrier:config} and the console's Settings page, Postfix's
 * {@code postconf}, {@code postconf -n} and {@code postconf -d}): which settings are in force, which differ from
 * their defaults, what the defaults are, and which values are secrets. Sorted by PID, then key, so two dumps diff.
 */
public final class Settings {
    /**
     * Keys whose names say they hold a secret, for keys no metatype definition types as a password (an undeclared key,
     * a bundle without definitions): a value shown by mistake in a pasted dump cannot be taken back.
     */
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|passwd|secret|passphrase|token|credential).*");
    /** ConfigAdmin's and FileInstall's own bookkeeping in a configuration, not settings of the component. */
    private static final Pattern BOOKKEEPING = Pattern.compile("service\\..*|felix\\.fileinstall\\..*");

    private Settings() {
    }

    /** What a dump shows: {@code postconf}, {@code postconf -n}, {@code postconf -d}. */
    public enum View {
        IN_FORCE, CHANGED, DEFAULTS
    }

    /** One configuration held by ConfigAdmin: its PID, its factory PID ({@code null} for a singleton) and its properties. */
    public record Configured(String pid, String factoryPid, Map<String, Object> properties) {
    }

    /**
     * Every setting in force: each configuration's keys with their values, plus the defaults of the keys it does not
     * set; and the defaults of each singleton PID that has a definition but no configuration (its component runs on
     * them). A factory PID without a configuration has no instance, so nothing of it is in force.
     */
    public static List<Setting> inForce(Collection<Configured> configurations, Map<String, SettingSchema> schemas) {
        List<Setting> settings = new ArrayList<>();
        Set<String> configuredPids = new HashSet<>();
        for (Configured configured : configurations) {
            configuredPids.add(configured.pid());
            SettingSchema schema = schemas.get(configured.factoryPid() == null ? configured.pid() : configured.factoryPid());
            settings.addAll(of(configured, schema));
        }
        for (SettingSchema schema : schemas.values()) {
            if (!schema.factory() && !configuredPids.contains(schema.pid())) {
                settings.addAll(defaultsOf(schema));
            }
        }
        return sorted(settings);
    }

    /** The settings {@code view} shows. */
    public static List<Setting> of(View view, Collection<Configured> configurations, Map<String, SettingSchema> schemas) {
        return switch (view) {
            case IN_FORCE -> inForce(configurations, schemas);
            case CHANGED -> changed(configurations, schemas);
            case DEFAULTS -> defaults(schemas);
        };
    }

    /** The settings in force that differ from their defaults (or have none), as {@code postconf -n}. */
    public static List<Setting> changed(Collection<Configured> configurations, Map<String, SettingSchema> schemas) {
        return inForce(configurations, schemas).stream().filter(Setting::differs).toList();
    }

    /** The defaults of every definition, a factory's under its factory PID, as {@code postconf -d}. */
    public static List<Setting> defaults(Map<String, SettingSchema> schemas) {
        return sorted(schemas.values().stream().flatMap(s -> defaultsOf(s).stream()).toList());
    }

    /** Whether a key is a secret: typed a password in its definition, or named like one. */
    static boolean secret(String key, SettingSchema.Attribute attribute) {
        return attribute != null && attribute.password() || SECRET_NAME.matcher(key).matches();
    }

    /**
     * A property value as one line of text: a list (array or collection) joined with {@code ", "} as the shipped
     * files write lists; line breaks escaped as in a .cfg file, so each setting stays on one line.
     */
    public static String text(Object value) {
        String text;
        if (value == null) {
            text = "";
        } else if (value.getClass().isArray()) {
            List<String> elements = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                elements.add(String.valueOf(Array.get(value, i)));
            }
            text = String.join(", ", elements);
        } else if (value instanceof Collection<?> collection) {
            text = collection.stream().map(String::valueOf).collect(Collectors.joining(", "));
        } else {
            text = value.toString();
        }
        return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n");
    }

    private static List<Setting> of(Configured configured, SettingSchema schema) {
        Map<String, SettingSchema.Attribute> attributes = schema == null ? Map.of() : schema.attributes();
        List<Setting> settings = new ArrayList<>();
        configured.properties().forEach((key, value) -> {
            if (!BOOKKEEPING.matcher(key).matches()) {
                SettingSchema.Attribute attribute = attributes.get(key);
                settings.add(new Setting(configured.pid(), key, text(value), attribute == null ? null : attribute.defaultValue(),
                        true, secret(key, attribute)));
            }
        });
        attributes.values().stream().filter(a -> !configured.properties().containsKey(a.key()))
                .forEach(a -> settings.add(unset(configured.pid(), a)));
        return settings;
    }

    private static List<Setting> defaultsOf(SettingSchema schema) {
        return schema.attributes().values().stream().map(a -> unset(schema.pid(), a)).toList();
    }

    private static Setting unset(String pid, SettingSchema.Attribute attribute) {
        String value = attribute.defaultValue() == null ? "" : attribute.defaultValue();
        return new Setting(pid, attribute.key(), value, attribute.defaultValue(), false, secret(attribute.key(), attribute));
    }

    private static List<Setting> sorted(List<Setting> settings) {
        return settings.stream().sorted(Comparator.comparing(Setting::pid).thenComparing(Setting::key)).toList();
    }
}
