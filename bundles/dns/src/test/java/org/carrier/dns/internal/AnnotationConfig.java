package org.carrier.dns.internal;

import java.lang.reflect.Proxy;
import java.util.Map;

/**
 * A component property type (the typed configuration annotation of a DS component) for a test: the given values,
 * the annotation's defaults for the rest, as SCR would build it from a configuration.
 */
public final class AnnotationConfig {
    private AnnotationConfig() {
    }

    public static <A> A of(Class<A> type, Map<String, ?> values) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            if (values.containsKey(method.getName())) {
                return values.get(method.getName());
            }
            return switch (method.getName()) {
                case "annotationType" -> type;
                case "toString" -> type.getSimpleName() + values;
                case "hashCode" -> values.hashCode();
                case "equals" -> proxy == args[0];
                default -> method.getDefaultValue();
            };
        }));
    }
}
