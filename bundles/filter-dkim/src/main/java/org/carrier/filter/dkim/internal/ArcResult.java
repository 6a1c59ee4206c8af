package org.carrier.filter.dkim.internal;

import java.util.ArrayList;
import java.util.List;

import org.carrier.api.filter.AuthResult;

/**
 * The validation of a message's ARC chain (RFC 8617 §5.2).
 *
 * @param result     {@code pass}, {@code fail} or {@code none} (RFC 8617 §4.4; no temperror is defined for arc)
 * @param reason     why it failed, or {@code null}
 * @param instance   the highest instance N, 0 for none
 * @param oldestPass RFC 8617 §5.2 step 5: the oldest instance whose ARC-Message-Signature still validates when an
 *                   older one does not; 0 when every one validates (or the chain did not pass)
 * @param sealer     d= of the latest ARC-Seal when the chain passed, else {@code null}
 * @param selector   s= of that ARC-Seal, else {@code null}
 */
record ArcResult(String result, String reason, int instance, int oldestPass, String sealer, String selector) {
    static final ArcResult NONE = new ArcResult("none", null, 0, 0, null, null);

    static ArcResult fail(String reason, int instance) {
        return new ArcResult("fail", reason, instance, 0, null, null);
    }

    boolean passed() {
        return result.equals("pass");
    }

    /**
     * As reported in Authentication-Results (RFC 8617 §4.1.3 names header.oldest-pass): {@code header.d} and
     * {@code header.s} name the latest ARC-Seal's signing domain and selector, the sealer a DMARC evaluator may
     * trust (RFC 8617 §7.2).
     */
    AuthResult toAuthResult() {
        List<String> properties = new ArrayList<>();
        if (oldestPass > 0) {
            properties.add("header.oldest-pass=" + oldestPass);
        }
        if (sealer != null) {
            properties.add("header.d=" + sealer);
            properties.add("header.s=" + selector);
        }
        AuthResult arc = new AuthResult("arc", result, null, properties);
        return reason == null ? arc : arc.withReason(reason.replaceAll("[\\r\\n\\t]+", " ").replaceAll("[^\\x20-\\x7e]", "?"));
    }
}
