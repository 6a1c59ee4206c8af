package org.carrier.smtp.server.internal.auth;

import java.time.Duration;

/**
 * When failed AUTH attempts lock a client network or a user name out (listener settings {@code authFailuresPerClient},
 * {@code authFailuresPerUser}, {@code authFailureWindowSeconds}, {@code authLockoutSeconds}).
 *
 * @param perClient failures from one client network within the window that lock it out; 0: never
 * @param perUser   failures for one user name (from any untrusted client) within the window that lock it out; 0: never
 */
public record AuthLockout(int perClient, int perUser, Duration window, Duration duration) {
    public static final int DEFAULT_PER_CLIENT = 10;
    public static final int DEFAULT_PER_USER = 30;
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);
    public static final Duration DEFAULT_DURATION = Duration.ofMinutes(15);
    public static final AuthLockout DEFAULT = new AuthLockout(DEFAULT_PER_CLIENT, DEFAULT_PER_USER, DEFAULT_WINDOW, DEFAULT_DURATION);

    public AuthLockout {
        if (perClient < 0 || perUser < 0 || window.isNegative() || window.isZero() || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("need failure counts >= 0 and a positive window and duration");
        }
    }
}
