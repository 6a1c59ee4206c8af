package org.carrier.api.cluster;

/** The shared state could not be read or written in time: the engine is down, unreachable, slow or refused the call. */
public class SharedStateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SharedStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
