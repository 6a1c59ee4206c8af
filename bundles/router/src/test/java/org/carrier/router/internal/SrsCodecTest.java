package org.carrier.router.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.carrier.api.message.MailAddress;
import org.junit.jupiter.api.Test;

class SrsCodecTest {
    /** 2026-12-07T08:09:34Z: day 20794, slot 314 = "J2". */
    private static final Instant NOW = Instant.ofEpochSecond(1_796_630_974L);
    private static final MailAddress ALICE = MailAddress.parse("alice@orig.example");

    private static SrsCodec codec(Instant now, String... secrets) {
        return new SrsCodec(List.of(secrets), 21, Clock.fixed(now, ZoneOffset.UTC));
    }

    private static MailAddress reversed(SrsCodec codec, String address) {
        return assertInstanceOf(SrsCodec.Valid.class, codec.reverse(MailAddress.parse(address))).address();
    }

    private static String refusal(SrsCodec codec, String address) {
        return assertInstanceOf(SrsCodec.Invalid.class, codec.reverse(MailAddress.parse(address))).reason();
    }

    /** Made by Debian's postsrsd 1.10 (-s with "tops3cret", -d forwarder.test) at {@link #NOW}. */
    @Test
    void writesWhatPostsrsdWrites() {
        assertEquals("SRS0=hTJx=J2=orig.example=alice@forwarder.test", codec(NOW, "tops3cret").forward(ALICE, "forwarder.test").toString());
        assertEquals("SRS1=GU5S=other.example==abcd=AB=orig.example=alice@forwarder.test", codec(NOW, "tops3cret")
                .forward(MailAddress.parse("SRS0=abcd=AB=orig.example=alice@other.example"), "forwarder.test").toString());
    }

    @Test
    void timestampIsTheDayInBase32() {
        assertEquals("J2", SrsCodec.timestamp(20794));
        assertEquals("AA", SrsCodec.timestamp(1024));
        assertEquals("77", SrsCodec.timestamp(1023));
    }

    @Test
    void decodesPostsrsdsAddressInAnyCase() {
        SrsCodec codec = codec(NOW, "tops3cret");
        assertEquals(ALICE, reversed(codec, "SRS0=hTJx=J2=Orig.Example=alice@forwarder.test"));
        // a receiver that folds local parts to lower or upper case still gets its bounce home (libsrs2 accepts it too)
        assertEquals(ALICE, reversed(codec, "srs0=htjx=j2=orig.example=alice@forwarder.test"));
        assertEquals(MailAddress.parse("ALICE@orig.example"), reversed(codec, "SRS0=HTJX=J2=ORIG.EXAMPLE=ALICE@FORWARDER.TEST"));
    }

    @Test
    void aLocalPartWithSeparatorsSurvives() {
        SrsCodec codec = codec(NOW, "s");
        MailAddress sender = MailAddress.parse("a=b=c+tag@orig.example");
        assertEquals(sender, reversed(codec, codec.forward(sender, "fwd.example").toString()));
    }

    @Test
    void aForgedHashIsRefused() {
        SrsCodec codec = codec(NOW, "tops3cret");
        assertEquals("SRS address with an invalid hash", refusal(codec, "SRS0=hTJy=J2=orig.example=alice@forwarder.test"));
        // the hash covers the address: another original sender with the same hash is forged too (no open relay)
        assertEquals("SRS address with an invalid hash", refusal(codec, "SRS0=hTJx=J2=orig.example=mallory@forwarder.test"));
        assertEquals("SRS address with an invalid hash", refusal(codec, "SRS0=hTJx=J2=evil.example=alice@forwarder.test"));
        assertEquals("SRS address with an invalid hash", refusal(codec(NOW, "another"), "SRS0=hTJx=J2=orig.example=alice@forwarder.test"));
        assertEquals("malformed SRS0 address", refusal(codec, "SRS0=hTJx=J2=orig.example@forwarder.test"));
    }

    @Test
    void expiresAfterMaxAgeDaysExactly() {
        String made = codec(NOW, "s").forward(ALICE, "fwd.example").toString();
        assertEquals(ALICE, reversed(codec(NOW.plus(Duration.ofDays(21)), "s"), made));
        assertEquals("SRS address expired (older than 21 days)", refusal(codec(NOW.plus(Duration.ofDays(22)), "s"), made));
        // a stamp from "tomorrow" (clock skew, or a forgery with a valid hash from 1023 days ago) is not fresh
        assertTrue(refusal(codec(NOW.minus(Duration.ofDays(1)), "s"), made).startsWith("SRS address expired"));
    }

    @Test
    void theStampWrapsAfter1024Days() {
        Instant later = NOW.plus(Duration.ofDays(SrsCodec.TIME_SLOTS + 5));
        String made = codec(NOW, "s").forward(ALICE, "fwd.example").toString();
        // libsrs2 cannot tell an address 1029 days old from one 5 days old: same stamp, and the same here
        assertEquals(ALICE, reversed(codec(later, "s"), made));
    }

    @Test
    void oldSecretsStillVerifyButNeverSign() {
        String madeWithOld = codec(NOW, "old").forward(ALICE, "fwd.example").toString();
        SrsCodec rotated = codec(NOW, "new", "old");
        assertEquals(ALICE, reversed(rotated, madeWithOld));
        assertEquals(codec(NOW, "new").forward(ALICE, "fwd.example"), rotated.forward(ALICE, "fwd.example"));
        assertEquals("SRS address with an invalid hash", refusal(codec(NOW, "new"), madeWithOld));
    }

    @Test
    void srs1ChainGoesBackThroughTheFirstForwarder() {
        SrsCodec first = codec(NOW, "first");
        SrsCodec second = codec(NOW, "second");
        SrsCodec third = codec(NOW, "third");
        MailAddress srs0 = first.forward(ALICE, "one.example");
        MailAddress srs1 = second.forward(srs0, "two.example");
        assertTrue(srs1.localPart().startsWith("SRS1="), srs1.toString());
        assertTrue(srs1.localPart().contains("=one.example==" + srs0.localPart().substring(5)), srs1.toString());
        // a third forwarder re-signs the SRS1 address and keeps the first forwarder's part: the chain stays short
        MailAddress again = third.forward(srs1, "three.example");
        assertEquals(srs1.localPart().substring(9), again.localPart().substring(9));
        assertEquals(srs0, reversed(third, again.toString()));
        assertEquals(srs0, reversed(second, srs1.toString()));
        assertEquals(ALICE, reversed(first, srs0.toString()));
        assertEquals("SRS address with an invalid hash", refusal(first, srs1.toString()));
    }

    @Test
    void onlySrsLocalPartsAreSrs() {
        assertTrue(SrsCodec.isSrs("SRS0=abcd=AB=d=l"));
        assertTrue(SrsCodec.isSrs("srs1+abcd=d==x"));
        assertFalse(SrsCodec.isSrs("SRS2=abcd"));
        assertFalse(SrsCodec.isSrs("srs0"));
        assertFalse(SrsCodec.isSrs("srs0_alice"));
        assertFalse(SrsCodec.isSrs("alice"));
    }
}
