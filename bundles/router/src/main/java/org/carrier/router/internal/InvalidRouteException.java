package org.carrier.router.internal;

/** A route setting that cannot be used; names the configuration property at fault. */
final class InvalidRouteException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String property;

    InvalidRouteException(String property, String problem) {
        super(property + ": " + problem);
        this.property = property;
    }

    String property() {
        return property;
    }
}
