package org.carrier.api.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A component's typed configuration (an annotation type, OSGi Declarative Services 112.8.2) read safely. DS turns
 * the text of a file into an {@code int} only when the method is called, and throws there ("For input string:
 * banana", without the key): {@link #read} calls every method once, so that a value that does not convert is a
 * {@link ConfigProblem} naming key and value before any of it is used.
 */
public final class TypedConfig {
    private TypedConfig() {
    }

    /**
     * Every value of {@code config}, read now: a copy whose methods do not throw.
     *
     * @throws ConfigProblem for the first method whose value does not convert to its type
     */
    public static <C> C read(Class<C> type, C config, Map<String, ?> properties) {
        return read(type, config, properties, null);
    }

    /**
     * {@link #read}, for a component that uses only some keys of a configuration another component owns (two
     * components on one PID): only the attributes whose keys are in {@code keys} are read and checked, the others
     * are their declared defaults in the copy, so a bad value of a key this component does not use is refused (and
     * logged) once, by the component that uses it.
     *
     * @param keys the property names read; {@code null}: all
     * @throws ConfigProblem for the first of those whose value does not convert to its type
     */
    public static <C> C read(Class<C> type, C config, Map<String, ?> properties, Set<String> keys) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Method method : attributes(type)) {
            if (keys != null && !keys.contains(key(method))) {
                values.put(method.getName(), method.getDefaultValue());
                continue;
            }
            try {
                values.put(method.getName(), method.invoke(config));
            } catch (InvocationTargetException e) {
                String key = key(method);
                Object raw = properties == null ? null : properties.get(key);
                throw new ConfigProblem(key, raw, expected(method.getReturnType()));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read " + method, e);
            }
        }
        return copy(type, values);
    }

    /**
     * The typed configuration SCR makes of {@code properties}: each value converted to its method's type when the
     * method is called (so a value that does not convert throws there, as in SCR), the declared default for a key
     * that is absent. For tests of components, which get the same as in a running Carrier.
     */
    public static <C> C of(Class<C> type, Map<String, ?> properties) {
        return proxy(type, properties, method -> {
            Object raw = properties.get(key(method));
            return raw == null ? defaultOf(method) : convert(raw, method.getReturnType());
        });
    }

    private static Object defaultOf(Method method) {
        Object value = method.getDefaultValue();
        return value == null && method.getReturnType().isPrimitive() ? zero(method.getReturnType()) : value;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object convert(Object raw, Class<?> type) {
        if (type.isInstance(raw) || (type == boolean.class && raw instanceof Boolean)) {
            return raw;
        }
        if (raw instanceof Number number && (type == int.class || type == long.class || type == double.class)) {
            // As SCR converts (DS 112.8.2.2): a Long from the web console for an int attribute is that int.
            return type == int.class ? (Object) number.intValue() : type == long.class ? (Object) number.longValue() : number.doubleValue();
        }
        if (type == String[].class && raw instanceof java.util.Collection<?> values) {
            return values.stream().map(String::valueOf).toArray(String[]::new);
        }
        if (type == String[].class && raw instanceof Object[] values) {
            return java.util.Arrays.stream(values).map(String::valueOf).toArray(String[]::new);
        }
        String text = raw.toString().strip();
        if (type == String.class) {
            return raw.toString();
        }
        if (type == int.class) {
            return Integer.parseInt(text);
        }
        if (type == long.class) {
            return Long.parseLong(text);
        }
        if (type == boolean.class) {
            return Boolean.parseBoolean(text);
        }
        if (type == double.class) {
            return Double.parseDouble(text);
        }
        if (type == String[].class) {
            return new String[] {raw.toString()};
        }
        if (type.isEnum()) {
            return Enum.valueOf((Class) type, text);
        }
        throw new IllegalArgumentException("cannot convert to " + type.getSimpleName() + ": " + raw);
    }

    /** The declared default of the attribute whose property name is {@code key}, {@code null} when it has none. */
    static Object defaultValue(Class<?> type, String key) {
        Method method = attribute(type, key);
        return method == null ? null : method.getDefaultValue();
    }

    /** The attribute method whose property name is {@code key}, {@code null} when the type has none. */
    static Method attribute(Class<?> type, String key) {
        for (Method method : attributes(type)) {
            if (key(method).equals(key)) {
                return method;
            }
        }
        return null;
    }

    /** The configuration with every attribute at its declared default ({@code null} or 0 where there is none). */
    public static <C> C defaults(Class<C> type) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Method method : attributes(type)) {
            values.put(method.getName(), method.getDefaultValue());
        }
        return copy(type, values);
    }

    /**
     * The configuration and, when Felix FileInstall made it, its file: where an administrator fixes it. For
     * example {@code configuration org.carrier.dns (/opt/carrier/config/org.carrier.dns.cfg)}.
     */
    public static String source(Map<String, ?> properties) {
        Object pid = properties == null ? null : properties.get("service.pid");
        Object file = properties == null ? null : properties.get("felix.fileinstall.filename");
        String where = file == null ? "" : " (" + String.valueOf(file).replaceFirst("^file:", "") + ")";
        return "configuration " + (pid == null ? "(none)" : pid) + where;
    }

    /** The property name of an attribute method, as DS 112.8.2.1 maps it ({@code $$} is $, {@code __} is _, {@code _} is a dot). */
    static String key(Method method) {
        String name = method.getName();
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean doubled = i + 1 < name.length() && name.charAt(i + 1) == c;
            if (c == '$') {
                if (doubled) {
                    key.append('$');
                    i++;
                }
            } else if (c == '_') {
                key.append(doubled ? '_' : '.');
                i += doubled ? 1 : 0;
            } else {
                key.append(c);
            }
        }
        return key.toString();
    }

    private static String expected(Class<?> type) {
        if (type == int.class || type == long.class || type == short.class || type == byte.class
                || type == Integer.class || type == Long.class) {
            return "not a whole number";
        }
        if (type == double.class || type == float.class) {
            return "not a number";
        }
        if (type == boolean.class) {
            return "not true or false";
        }
        if (type.isEnum()) {
            return "not one of " + Arrays.toString(type.getEnumConstants());
        }
        return "not a " + type.getSimpleName();
    }

    /** The attribute methods in name order: with two bad values, the same one is named each time. */
    private static Method[] attributes(Class<?> type) {
        return Arrays.stream(type.getDeclaredMethods())
                .filter(m -> m.getParameterCount() == 0 && !m.isSynthetic() && !java.lang.reflect.Modifier.isStatic(m.getModifiers()))
                .sorted(Comparator.comparing(Method::getName))
                .toArray(Method[]::new);
    }

    private static <C> C copy(Class<C> type, Map<String, Object> values) {
        return proxy(type, values, method -> {
            Object value = values.get(method.getName());
            if (value == null && method.getReturnType().isPrimitive()) {
                return zero(method.getReturnType());
            }
            return value != null && value.getClass().isArray() ? clone(value) : value;
        });
    }

    /** An instance of the annotation type {@code type} whose attribute methods answer with {@code value}. */
    private static <C> C proxy(Class<C> type, Map<String, ?> described, Function<Method, Object> value) {
        Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            switch (method.getName()) {
                case "toString":
                    return type.getSimpleName() + described;
                case "hashCode":
                    return described.hashCode();
                case "equals":
                    return self == args[0];
                case "annotationType":
                    return type;
                default:
                    return value.apply(method);
            }
        });
        return type.cast(proxy);
    }

    private static Object clone(Object array) {
        int length = java.lang.reflect.Array.getLength(array);
        Object copy = java.lang.reflect.Array.newInstance(array.getClass().getComponentType(), length);
        System.arraycopy(array, 0, copy, 0, length);
        return copy;
    }

    private static Object zero(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == char.class) {
            return '\0';
        }
        return java.lang.reflect.Array.get(java.lang.reflect.Array.newInstance(type, 1), 0);
    }
}
