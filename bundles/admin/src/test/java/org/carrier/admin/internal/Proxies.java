package org.carrier.admin.internal;

import java.lang.reflect.Proxy;

/** Test doubles of interfaces that answer only what a test uses (anything else fails it loudly, by the answer's choice). */
public final class Proxies {
    private Proxies() {
    }

    /** What a double answers to a call of one of its interface's methods. */
    public interface Answer {
        Object answer(String method, Object[] args) throws Exception;
    }

    /** A double of {@code type}; {@code equals}, {@code hashCode} and {@code toString} are identity-based. */
    @SuppressWarnings("unchecked")
    public static <T> T proxy(Class<T> type, Answer answer) {
        return (T) Proxy.newProxyInstance(Proxies.class.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "hashCode" -> System.identityHashCode(self);
                    case "equals" -> self == args[0];
                    default -> type.getSimpleName() + " fake";
                };
            }
            return answer.answer(method.getName(), args);
        });
    }
}
