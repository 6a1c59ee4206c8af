package org.carrier.smtp.server.internal.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class AuthRulesTest {
    private static final AuthRules MX = new AuthRules(ListenerRole.MX, true, true);
    private static final AuthRules SUBMISSION = new AuthRules(ListenerRole.SUBMISSION, true, true);
    private static final AuthRules PLAINTEXT_SUBMISSION = new AuthRules(ListenerRole.SUBMISSION, true, false);
    private static final AuthRules NO_USERS = new AuthRules(ListenerRole.SUBMISSION, false, true);

    @Test
    void authIsAdvertisedOnlyInsideTlsUnlessTheListenerSaysOtherwise() {
        assertFalse(MX.advertiseAuth(false, false));
        assertTrue(MX.advertiseAuth(true, false));
        assertTrue(PLAINTEXT_SUBMISSION.advertiseAuth(false, false));
        assertFalse(SUBMISSION.advertiseAuth(true, true), "not again once authenticated");
        assertFalse(NO_USERS.advertiseAuth(true, false), "not without a users table");
    }

    @Test
    void startTlsIsOfferedOnceAndOnlyWithACertificate() {
        assertTrue(MX.advertiseStartTls(false, true));
        assertFalse(MX.advertiseStartTls(true, true));
        assertFalse(MX.advertiseStartTls(false, false));
    }

    @Test
    void authCommandRefusals() {
        assertEquals(Optional.empty(), SUBMISSION.refuseAuth(true, true, false, false));
        assertEquals(Optional.of(AuthReplies.ENCRYPTION_REQUIRED), SUBMISSION.refuseAuth(true, false, false, false));
        assertEquals(Optional.empty(), PLAINTEXT_SUBMISSION.refuseAuth(true, false, false, false));
        assertEquals(Optional.of(AuthReplies.ALREADY_AUTHENTICATED), SUBMISSION.refuseAuth(true, true, true, false));
        assertEquals(Optional.of(AuthReplies.IN_TRANSACTION), SUBMISSION.refuseAuth(true, true, false, true));
        assertEquals(Optional.of(AuthReplies.EHLO_FIRST), SUBMISSION.refuseAuth(false, true, false, false));
        assertEquals(Optional.of(AuthReplies.NOT_AVAILABLE), NO_USERS.refuseAuth(true, true, false, false));
        assertEquals(538, AuthReplies.ENCRYPTION_REQUIRED.code());
        assertEquals("5.7.11", AuthReplies.ENCRYPTION_REQUIRED.enhancedStatus());
    }

    @Test
    void submissionNeedsAuthBeforeMail() {
        assertEquals(Optional.empty(), MX.refuseMail(false, false), "port 25 takes mail from anyone");
        assertEquals(Optional.of(AuthReplies.STARTTLS_FIRST), SUBMISSION.refuseMail(false, false));
        assertEquals(Optional.of(AuthReplies.AUTHENTICATION_REQUIRED), SUBMISSION.refuseMail(true, false));
        assertEquals(Optional.of(AuthReplies.AUTHENTICATION_REQUIRED), PLAINTEXT_SUBMISSION.refuseMail(false, false));
        assertEquals(Optional.empty(), SUBMISSION.refuseMail(true, true));
        assertEquals(Optional.empty(), new AuthRules(ListenerRole.SMTPS, true, true).refuseMail(true, true));
        assertEquals(Optional.of(AuthReplies.AUTHENTICATION_REQUIRED), new AuthRules(ListenerRole.SMTPS, true, true).refuseMail(true, false));
        assertEquals(530, AuthReplies.AUTHENTICATION_REQUIRED.code());
        assertEquals("5.7.0", AuthReplies.AUTHENTICATION_REQUIRED.enhancedStatus());
    }

    @Test
    void rolesFromConfiguration() {
        assertEquals(ListenerRole.MX, ListenerRole.parse("mx"));
        assertEquals(ListenerRole.SUBMISSION, ListenerRole.parse(" Submission "));
        assertEquals(ListenerRole.SMTPS, ListenerRole.parse("smtps"));
        assertTrue(ListenerRole.SMTPS.implicitTls());
        assertFalse(ListenerRole.SUBMISSION.implicitTls());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ListenerRole.parse("relay"));
        assertEquals("role must be one of mx, submission, smtps, not 'relay'", e.getMessage());
    }
}
