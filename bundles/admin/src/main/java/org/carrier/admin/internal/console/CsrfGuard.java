package org.carrier.admin.internal.console;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * Cross-site request forgery protection for the console pages. The console logs in with HTTP Basic, which a
 * browser sends along with any request to the console, also one a foreign page makes it send; so every request
 * that changes state must prove it came from a console page: it is a POST, it carries the per-session token the
 * pages embed, and its {@code Origin} (or, without one, its {@code Referer}) names this server (the defence of the
 * OWASP CSRF cheat sheet: synchronizer token plus standard header checks).
 */
final class CsrfGuard {
    /** The form field and the header (for fetch()) that carry the token. */
    static final String FIELD = "csrf";
    static final String HEADER = "X-Carrier-CSRF";
    private static final String SESSION_KEY = CsrfGuard.class.getName();
    private static final SecureRandom RANDOM = new SecureRandom();

    private CsrfGuard() {
    }

    /** The token of the request's session, made on first use. */
    static String token(HttpServletRequest request) {
        HttpSession session = request.getSession(true);
        synchronized (session) {
            Object token = session.getAttribute(SESSION_KEY);
            if (token == null) {
                byte[] bytes = new byte[32];
                RANDOM.nextBytes(bytes);
                token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
                session.setAttribute(SESSION_KEY, token);
            }
            return token.toString();
        }
    }

    /** Why the request must be refused, or empty when it may change state. */
    static Optional<String> refusal(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        Object expected = session == null ? null : session.getAttribute(SESSION_KEY);
        String sent = request.getHeader(HEADER) != null ? request.getHeader(HEADER) : request.getParameter(FIELD);
        return refusal(request.getMethod(), expected == null ? null : expected.toString(), sent,
                request.getHeader("Origin"), request.getHeader("Referer"), request.getScheme(), request.getHeader("Host"));
    }

    /**
     * The decision on plain values: the request method, the session's token (null: no session yet), the token sent,
     * the {@code Origin} and {@code Referer} headers, and the scheme and {@code Host} the request was made to.
     */
    static Optional<String> refusal(String method, String expectedToken, String sentToken, String origin, String referer,
                                    String scheme, String host) {
        if (!"POST".equals(method)) {
            return Optional.of("changes are made with POST only");
        }
        if (expectedToken == null || sentToken == null
                || !MessageDigest.isEqual(expectedToken.getBytes(StandardCharsets.US_ASCII), sentToken.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of("the form's security token is missing or out of date: reload the page and try again");
        }
        if (host == null || host.isBlank()) {
            return Optional.of("the request names no Host");
        }
        String self = (scheme + "://" + host).toLowerCase(Locale.ROOT);
        if (origin != null) {
            return sameOrigin(origin, self) ? Optional.empty() : Optional.of("the request comes from another site: " + origin);
        }
        if (referer != null) {
            return sameOrigin(referer, self) ? Optional.empty() : Optional.of("the request comes from another page: " + referer);
        }
        return Optional.of("the request says neither where it comes from (Origin) nor from which page (Referer)");
    }

    /** Whether {@code url} (an Origin or a Referer) has exactly the scheme, host and port of {@code self}. */
    private static boolean sameOrigin(String url, String self) {
        try {
            URI uri = new URI(url.trim());
            if (uri.getScheme() == null || uri.getRawAuthority() == null) {
                return false; // includes the opaque origin "null" of sandboxed frames and file: pages
            }
            return (uri.getScheme() + "://" + uri.getRawAuthority()).toLowerCase(Locale.ROOT).equals(self);
        } catch (URISyntaxException e) {
            return false;
        }
    }
}
