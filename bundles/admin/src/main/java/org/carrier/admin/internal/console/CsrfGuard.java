package org.carrier.admin.internal.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

/**
 * Cross-site request forgery protection for Carrier's console pages, on top of the same-origin rule that
 * {@link SameOriginGuard} applies to every request of the HTTP service: a request that changes state is a POST and
 * carries the per-session token the pages embed (the synchronizer token of the OWASP CSRF cheat sheet), so a
 * request the user's browser was made to send from anywhere but a console page of this session changes nothing.
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
        return refusal(request.getMethod(), expected == null ? null : expected.toString(), sent);
    }

    /** The decision on plain values: the request method, the session's token (null: no session yet) and the token sent. */
    static Optional<String> refusal(String method, String expectedToken, String sentToken) {
        if (!"POST".equals(method)) {
            return Optional.of("changes are made with POST only");
        }
        if (expectedToken == null || sentToken == null
                || !MessageDigest.isEqual(expectedToken.getBytes(StandardCharsets.US_ASCII), sentToken.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of("the form's security token is missing or out of date: reload the page and try again");
        }
        return Optional.empty();
    }
}
