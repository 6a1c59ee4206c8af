package org.carrier.admin.internal.console;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.Preprocessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.carrier.admin.internal.rest.RestApi;
import org.carrier.api.text.Json;

/**
 * The one same-origin rule for every request to the HTTP service the web console runs on: the stock Felix pages
 * (Configuration, Bundles, ...), Carrier's pages and whatever else is registered there. A browser sends the
 * console's login (cached HTTP Basic credentials, and cookies) along with any request to it, also one that a page of
 * another site makes it send; so a request that may change state (any method but the safe ones, RFC 9110 §9.2.1)
 * must name the console itself as where it comes from: its {@code Origin} (RFC 6454 §7), or without one its
 * {@code Referer}. Anything else, requests that name neither included (a script can send {@code Origin}), is
 * answered 403 with one log line, before any servlet or the console's login sees it (OWASP CSRF cheat sheet,
 * "verifying origin with standard headers"). Carrier's own pages also require their token ({@link CsrfGuard}).
 * A whiteboard preprocessor runs before the servlet context is chosen, so no context can be left out.
 * <p>
 * The REST API's requests ({@code /api/v1/...}) are let through unchecked: the API accepts nothing but a bearer token
 * (RFC 6750 §2.1) and never reads the cookies or Basic credentials a browser adds by itself, so a request another
 * site's page makes a browser send carries no credential the API honours and is answered 401; and a page of another
 * site cannot add an {@code Authorization} header without a CORS preflight, which this server never grants (Fetch
 * standard, "CORS-safelisted request-header"). Programs such as curl send no {@code Origin}; checking them here would
 * answer a missing token 403 instead of the API's 401 with its {@code WWW-Authenticate} challenge (RFC 6750 §3).
 * Only a plain path is taken for the API's: one with dot segments, percent-escapes or parameters might be resolved
 * to another servlet (the console's) than it reads, so it is checked as any other.
 */
@Component(service = Preprocessor.class)
public class SameOriginGuard implements Preprocessor {
    private static final Logger LOG = LoggerFactory.getLogger(SameOriginGuard.class);
    /** RFC 9110 §9.2.1: the methods defined as safe; every other one, unknown ones included, is checked. */
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse answer
                && !isApiRequest(http.getRequestURI())) {
            Optional<String> refusal = refusal(http.getMethod(), http.getHeader("Origin"), http.getHeader("Referer"),
                    http.getScheme(), http.getHeader("Host"));
            if (refusal.isPresent()) {
                LOG.warn("web console: refused a {} {} from {}: {}", http.getMethod(), http.getRequestURI(),
                        http.getRemoteAddr(), refusal.get());
                refuse(http, answer, refusal.get());
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /** Whether a request's path is plainly the REST API's, which needs no origin check (see above). */
    static boolean isApiRequest(String uri) {
        if (uri == null || uri.contains("%") || uri.contains(";") || uri.contains("\\")) {
            return false;
        }
        try {
            String normalized = URI.create(uri).normalize().getPath();
            return uri.equals(normalized) && (uri.equals(RestApi.ROOT) || uri.startsWith(RestApi.ROOT + "/"));
        } catch (IllegalArgumentException notAPath) {
            return false;
        }
    }

    /**
     * The decision on plain values: the request method, its {@code Origin} and {@code Referer} headers (null when
     * absent), and the scheme and {@code Host} the request was made to; empty when the request may go on.
     */
    static Optional<String> refusal(String method, String origin, String referer, String scheme, String host) {
        if (SAFE_METHODS.contains(method)) {
            return Optional.empty();
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

    /** 403 with the reason: JSON for a page's script (as Carrier's pages answer), plain text for anything else. */
    private static void refuse(HttpServletRequest request, HttpServletResponse response, String reason) throws IOException {
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        String accept = request.getHeader("Accept");
        if (accept != null && accept.startsWith("application/json")) {
            response.setContentType("application/json");
            response.getWriter().write(Json.write(ConsolePage.answer(ConsolePage.Outcome.refused(reason))));
        } else {
            response.setContentType("text/plain");
            response.getWriter().write("403 refused: " + reason + "\n");
        }
    }
}
