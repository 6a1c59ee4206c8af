package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class SameOriginGuardTest {
    private static final String HOST = "127.0.0.1:8080";

    private static Optional<String> post(String origin, String referer) {
        return SameOriginGuard.refusal("POST", origin, referer, "http", HOST);
    }

    @Test
    void aRequestFromThisOriginPasses() {
        assertEquals(Optional.empty(), post("http://127.0.0.1:8080", null));
        assertEquals(Optional.empty(), post(null, "http://127.0.0.1:8080/system/console/configMgr?x=1"));
        assertEquals(Optional.empty(), post("HTTP://127.0.0.1:8080", null), "scheme and host compare case-insensitively");
    }

    @Test
    void safeMethodsAreNotChecked() {
        for (String method : new String[] {"GET", "HEAD", "OPTIONS", "TRACE"}) {
            assertEquals(Optional.empty(), SameOriginGuard.refusal(method, "http://evil.example", null, "http", HOST), method);
        }
    }

    @Test
    void everyOtherMethodIsChecked() {
        for (String method : new String[] {"POST", "PUT", "DELETE", "PATCH", "PROPFIND"}) {
            assertTrue(SameOriginGuard.refusal(method, "http://evil.example", null, "http", HOST).isPresent(), method);
            assertTrue(SameOriginGuard.refusal(method, "http://127.0.0.1:8080", null, "http", HOST).isEmpty(), method);
        }
    }

    @Test
    void anotherOriginIsRefused() {
        assertTrue(post("http://evil.example", null).orElseThrow().contains("another site"));
        assertTrue(post("http://127.0.0.1:8081", null).isPresent(), "another port is another origin");
        assertTrue(post("https://127.0.0.1:8080", null).isPresent(), "another scheme is another origin");
        assertTrue(post("null", null).isPresent(), "the opaque origin of a sandboxed frame");
        assertTrue(post("http://127.0.0.1:8080.evil.example", null).isPresent());
        assertTrue(post("http://127.0.0.1:8080", "http://127.0.0.1:8080/").isEmpty());
        assertTrue(post("http://evil.example", "http://127.0.0.1:8080/").isPresent(), "the Origin decides when present");
    }

    @Test
    void withoutOriginTheRefererDecidesAndWithoutEitherTheRequestIsRefused() {
        assertTrue(post(null, "http://evil.example/page").orElseThrow().contains("another page"));
        assertTrue(post(null, "http://127.0.0.1:8080@evil.example/").isPresent(), "user info is not a host");
        assertTrue(post(null, null).orElseThrow().contains("neither"));
        assertTrue(SameOriginGuard.refusal("POST", "http://127.0.0.1:8080", null, "http", null).isPresent(), "no Host");
    }

    @Test
    void onlyAPlainPathOfTheRestApiSkipsTheCheck() {
        assertTrue(SameOriginGuard.isApiRequest("/api/v1/messages"));
        assertTrue(SameOriginGuard.isApiRequest("/api/v1"));
        assertFalse(SameOriginGuard.isApiRequest("/api/v10/messages"));
        assertFalse(SameOriginGuard.isApiRequest("/system/console/configMgr"));
        assertFalse(SameOriginGuard.isApiRequest("/api/v1/../system/console/configMgr"), "a dot segment leads elsewhere");
        assertFalse(SameOriginGuard.isApiRequest("/api/v1/%2e%2e/system/console/configMgr"), "so may an escaped one");
        assertFalse(SameOriginGuard.isApiRequest("/api/v1/..;/system/console/configMgr"));
        assertFalse(SameOriginGuard.isApiRequest("/api/v1/./queue"));
        assertFalse(SameOriginGuard.isApiRequest(null));
    }
}
