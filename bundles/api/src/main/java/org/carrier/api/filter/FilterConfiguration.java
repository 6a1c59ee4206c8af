package org.carrier.api.filter;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.RenamedKey;
import org.carrier.api.config.TypedConfig;

/**
 * The configuration skeleton every filter component has, written once: its {@link ConfigGuard} (a configuration with
 * a bad value is refused whole, in one line, and the last good settings stay), the snapshot of settings the hooks
 * read (volatile: replaced whole, so a session sees one consistent state, never half of a change) and the tag header
 * fallback (a bad {@code tagHeader} keeps the name in force and does not refuse the filter's other settings).
 * Call {@link #apply} from the component's {@code @Activate} and {@code @Modified} methods.
 *
 * @param <C> the filter's configuration type (its {@code @ObjectClassDefinition})
 * @param <S> the settings made from it
 */
public final class FilterConfiguration<C, S> {
    private final String pid;
    private final Consumer<String> error;
    private final ConfigGuard<C, S> guard;
    private volatile S settings;
    /** "configuration PID (file)" of the properties being applied, which the tag header's problem line names. */
    private String source;

    /**
     * @param pid       the filter's configuration PID, which the tag header's problem line names
     * @param component what the refusal line names, e.g. "the DNSBL filter"
     * @param error     where the problem lines go (e.g. {@code LOG::error})
     */
    public FilterConfiguration(Class<C> type, String pid, String component, Consumer<String> error) {
        this.pid = pid;
        this.source = "configuration " + pid;
        this.error = error;
        this.guard = new ConfigGuard<>(type, component, error);
    }

    /** Keys renamed since a configuration may have been written, as {@link ConfigGuard#renamed}. */
    public FilterConfiguration<C, S> renamed(Consumer<String> warn, RenamedKey... keys) {
        guard.renamed(warn, keys);
        return this;
    }

    /** What runs when the first configuration is refused, instead of the defaults, as {@link ConfigGuard#whenFirstRefused}. */
    public FilterConfiguration<C, S> whenFirstRefused(S fallback, String means) {
        guard.whenFirstRefused(fallback, means);
        return this;
    }

    /** The settings {@code parse} makes of {@code config} (or, refused, those in force so far), now in force. */
    public S apply(C config, Map<String, ?> properties, Function<C, S> parse) {
        return apply(config, properties, parse, next -> { });
    }

    /**
     * As {@link #apply(Object, Map, Function)}; {@code whenChanged} runs with settings other than those in force
     * before the hooks see them (to resize a table the new settings count in, or to log what now applies).
     */
    public synchronized S apply(C config, Map<String, ?> properties, Function<C, S> parse, Consumer<S> whenChanged) {
        source = properties != null && properties.get("service.pid") != null ? TypedConfig.source(properties) : "configuration " + pid;
        S next = guard.apply(config, properties, parse);
        if (next != settings) {
            whenChanged.accept(next);
            settings = next;
        }
        return next;
    }

    /** The settings in force, {@code null} before the first configuration; what the hooks read. */
    public S settings() {
        return settings;
    }

    /**
     * The header field name of the filter's {@code tagHeader} setting, or, when it is not one, the name in force (the
     * default at the first configuration), with one line {@code configuration PID (FILE): tagHeader: ...; tagging with NAME}.
     *
     * @param inForce the tag header of the settings in force
     */
    public String tagHeader(String configured, Function<S, String> inForce) {
        S current = settings;
        return FilterSettings.tagHeader(configured, current == null ? null : inForce.apply(current),
                problem -> error.accept(source + ": " + problem));
    }
}
