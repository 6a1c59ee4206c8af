package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class CsrfGuardTest {
    private static final String TOKEN = "s3cr3t-token";

    @Test
    void aPostWithTheSessionsTokenPasses() {
        assertEquals(Optional.empty(), CsrfGuard.refusal("POST", TOKEN, TOKEN));
    }

    @Test
    void onlyPostChangesState() {
        assertTrue(CsrfGuard.refusal("GET", TOKEN, TOKEN).orElseThrow().contains("POST"));
    }

    @Test
    void aMissingWrongOrSessionlessTokenIsRefused() {
        assertTrue(CsrfGuard.refusal("POST", TOKEN, null).orElseThrow().contains("token"));
        assertTrue(CsrfGuard.refusal("POST", TOKEN, "s3cr3t-tokem").orElseThrow().contains("token"));
        assertTrue(CsrfGuard.refusal("POST", TOKEN, TOKEN.substring(1)).orElseThrow().contains("token"));
        assertTrue(CsrfGuard.refusal("POST", null, TOKEN).orElseThrow().contains("token"));
    }
}
