package org.carrier.api.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The settings a component runs with, changed only by a configuration that is valid as a whole. A configuration
 * with a bad value is refused in one line ({@code configuration PID (FILE): KEY = "VALUE": PROBLEM; the COMPONENT
 * keeps its last good settings}) and nothing of it applies; refused at the component's first configuration, the
 * component runs with its defaults (or, when even those give no settings, with none). Call it from the
 * {@code @Activate} and {@code @Modified} methods, which then never throw: an exception there would make SCR log
 * stack traces and, at activation, drop the component.
 *
 * @param <C> the component's configuration type (its {@code @ObjectClassDefinition})
 * @param <S> the settings made from it
 */
public final class ConfigGuard<C, S> {
    private final Class<C> type;
    private final String component;
    private final Consumer<String> log;
    private S inForce;
    /** Whether {@link #inForce} has been set: by a configuration, or by the defaults or fallback after a refusal. */
    private boolean configured;
    /** Whether a configuration was ever accepted: only then are there "last good settings" to keep. */
    private boolean accepted;
    private S fallback;
    private String fallbackMeans;
    private final List<RenamedKey> renamed = new ArrayList<>();
    private Consumer<String> deprecation = line -> { };
    /** The deprecation lines already logged (source and old key): one each, however often the file changes. */
    private final Set<String> warned = new HashSet<>();
    /** The keys read and checked; {@code null}: all of the type's (see {@link #readsOnly}). */
    private Set<String> onlyKeys;

    /**
     * @param component what the log line names, e.g. "the DNS resolver"
     * @param log       where the one line about a refused configuration goes (e.g. {@code LOG::error})
     */
    public ConfigGuard(Class<C> type, String component, Consumer<String> log) {
        this.type = type;
        this.component = component;
        this.log = log;
    }

    /**
     * What runs when the first configuration is refused, instead of the defaults: for a component whose defaults
     * would do harm while the administrator's settings are not in force (a greylist that would delay the clients
     * an allow list with a typo was meant to spare).
     *
     * @param means how the log line ends, e.g. "greylists nobody until it is fixed"
     * @return this guard
     */
    public synchronized ConfigGuard<C, S> whenFirstRefused(S settings, String means) {
        fallback = settings;
        fallbackMeans = means;
        return this;
    }

    /**
     * Reads and checks only these keys of the configuration (see {@link TypedConfig#read(Class, Object, Map, Set)}):
     * for a component that shares its PID with the component that owns the configuration and uses a few of its
     * keys, so that a bad value of any other key is refused in one line, by the owner, not twice.
     *
     * @return this guard
     * @throws IllegalArgumentException for a key the configuration type has no attribute for
     */
    public synchronized ConfigGuard<C, S> readsOnly(String... keys) {
        for (String key : keys) {
            if (TypedConfig.attribute(type, key) == null) {
                throw new IllegalArgumentException(type.getName() + " has no attribute for the key " + key);
            }
        }
        onlyKeys = Set.of(keys);
        return this;
    }

    /**
     * Keys renamed since a configuration may have been written: a configuration with an old key is read as if it
     * had the new one (unless it gives the new one a value other than its default: that wins), and {@code warn}
     * gets one line per file and old key:
     * {@code configuration PID (FILE): KEY is deprecated, read as NEWKEY = "VALUE"; rename it}.
     *
     * @param warn where the deprecation lines go (e.g. {@code LOG::warn})
     * @return this guard
     */
    public synchronized ConfigGuard<C, S> renamed(Consumer<String> warn, RenamedKey... keys) {
        deprecation = warn;
        renamed.addAll(List.of(keys));
        return this;
    }

    /**
     * The settings {@code parse} makes of {@code config}, which are then in force; or, when a value cannot be used
     * (a {@link ConfigProblem}), the settings in force so far, with the problem logged.
     *
     * @param parse makes the settings; throws {@link ConfigProblem} for a value it refuses (any other
     *              {@link IllegalArgumentException} is taken as one too, its message logged as it is)
     * @return the settings in force now ({@code null} only when no configuration, nor the defaults, gave any)
     */
    public synchronized S apply(C config, Map<String, ?> properties, Function<C, S> parse) {
        try {
            Map<String, ?> read = withNewKeys(properties);
            C given = read == properties ? config : TypedConfig.of(type, read);
            S next = parse.apply(TypedConfig.read(type, given, read, onlyKeys));
            inForce = next;
            configured = true;
            accepted = true;
            return next;
        } catch (IllegalArgumentException e) { // a ConfigProblem, or a check that did not name its key
            if (!configured) {
                inForce = fallbackMeans != null ? fallback : fromDefaults(parse);
                configured = true;
            }
            log.accept(TypedConfig.source(properties) + ": " + e.getMessage() + "; " + component + kept());
            return inForce;
        }
    }

    /** {@code properties} with each renamed key's value under its new key; {@code properties} itself when none is there. */
    private Map<String, ?> withNewKeys(Map<String, ?> properties) {
        if (properties == null || renamed.stream().noneMatch(key -> properties.containsKey(key.oldKey()))) {
            return properties;
        }
        Map<String, Object> read = new HashMap<>(properties);
        for (RenamedKey key : renamed) {
            Object old = properties.get(key.oldKey());
            if (old == null) {
                continue;
            }
            if (setOtherThanDefault(properties, key.newKey())) {
                warnOnce(properties, key, key.oldKey() + " is deprecated and ignored, as " + key.newKey()
                        + " is set too; remove " + key.oldKey());
            } else {
                read.put(key.newKey(), key.newValue(old));
                warnOnce(properties, key, key.oldKey() + " is deprecated, read as " + key.newKey() + " = \""
                        + read.get(key.newKey()) + "\"; rename it");
            }
        }
        return read;
    }

    /**
     * Whether the configuration gives {@code key} a value other than its default. SCR hands a component its
     * description's properties too, and bnd writes the typed configuration's defaults there, so a key at its
     * default may not have been written by anyone.
     */
    private boolean setOtherThanDefault(Map<String, ?> properties, String key) {
        Object value = properties.get(key);
        if (value == null) {
            return false;
        }
        Object fallback = TypedConfig.defaultValue(type, key);
        return fallback == null || !String.valueOf(value).strip().equals(String.valueOf(fallback));
    }

    private void warnOnce(Map<String, ?> properties, RenamedKey key, String what) {
        String source = TypedConfig.source(properties);
        if (warned.add(source + " " + key.oldKey())) {
            deprecation.accept(source + ": " + what);
        }
    }

    /**
     * What the log line says stays in force. Until a configuration has been accepted there are no last good settings:
     * a second refused one still leaves the defaults (or the fallback, or nothing) in force, and says so.
     */
    private String kept() {
        if (accepted) {
            return " keeps its last good settings";
        }
        if (fallbackMeans != null) {
            return " " + fallbackMeans;
        }
        return inForce == null ? " is not used until it is fixed" : " runs with its defaults until it is fixed";
    }

    private S fromDefaults(Function<C, S> parse) {
        try {
            return parse.apply(TypedConfig.defaults(type));
        } catch (IllegalArgumentException e) {
            return null; // e.g. a route: it has no default domains
        }
    }

    /** The settings in force, {@code null} before the first configuration. */
    public synchronized S inForce() {
        return inForce;
    }
}
