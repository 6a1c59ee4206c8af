package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class CsrfGuardTest {
    private static final String TOKEN = "s3cr3t-token";
    private static final String HOST = "127.0.0.1:8080";

    private static Optional<String> post(String sent, String origin, String referer) {
        return CsrfGuard.refusal("POST", TOKEN, sent, origin, referer, "http", HOST);
    }

    @Test
    void aPostWithTheSessionsTokenFromThisOriginPasses() {
        assertEquals(Optional.empty(), post(TOKEN, "http://127.0.0.1:8080", null));
        assertEquals(Optional.empty(), post(TOKEN, null, "http://127.0.0.1:8080/system/console/carrier-routes?edit=x"));
        assertEquals(Optional.empty(), post(TOKEN, "HTTP://127.0.0.1:8080", null), "scheme and host compare case-insensitively");
    }

    @Test
    void onlyPostChangesState() {
        assertTrue(CsrfGuard.refusal("GET", TOKEN, TOKEN, "http://127.0.0.1:8080", null, "http", HOST).orElseThrow().contains("POST"));
    }

    @Test
    void aMissingWrongOrSessionlessTokenIsRefused() {
        assertTrue(post(null, "http://127.0.0.1:8080", null).orElseThrow().contains("token"));
        assertTrue(post("s3cr3t-tokem", "http://127.0.0.1:8080", null).orElseThrow().contains("token"));
        assertTrue(post(TOKEN.substring(1), "http://127.0.0.1:8080", null).orElseThrow().contains("token"));
        assertTrue(CsrfGuard.refusal("POST", null, TOKEN, "http://127.0.0.1:8080", null, "http", HOST).orElseThrow().contains("token"));
    }

    @Test
    void anotherOriginIsRefusedEvenWithTheToken() {
        assertTrue(post(TOKEN, "http://evil.example", null).orElseThrow().contains("another site"));
        assertTrue(post(TOKEN, "http://127.0.0.1:8081", null).isPresent(), "another port is another origin");
        assertTrue(post(TOKEN, "https://127.0.0.1:8080", null).isPresent(), "another scheme is another origin");
        assertTrue(post(TOKEN, "null", null).isPresent(), "the opaque origin of a sandboxed frame");
        assertTrue(post(TOKEN, "http://127.0.0.1:8080.evil.example", null).isPresent());
        assertTrue(post(TOKEN, "http://127.0.0.1:8080", "http://127.0.0.1:8080/").isEmpty());
        assertTrue(post(TOKEN, "http://evil.example", "http://127.0.0.1:8080/").isPresent(), "the Origin decides when present");
    }

    @Test
    void withoutOriginTheRefererDecidesAndWithoutEitherTheRequestIsRefused() {
        assertTrue(post(TOKEN, null, "http://evil.example/page").orElseThrow().contains("another page"));
        assertTrue(post(TOKEN, null, "http://127.0.0.1:8080@evil.example/").isPresent(), "user info is not a host");
        assertTrue(post(TOKEN, null, null).orElseThrow().contains("neither"));
        assertTrue(CsrfGuard.refusal("POST", TOKEN, TOKEN, "http://127.0.0.1:8080", null, "http", null).isPresent(), "no Host");
    }
}
