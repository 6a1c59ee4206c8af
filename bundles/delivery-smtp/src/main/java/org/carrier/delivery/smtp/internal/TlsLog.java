package org.carrier.delivery.smtp.internal;

import javax.net.ssl.SSLSession;

/** The TLS parts of delivery log lines, worded as Postfix's so that log readers know them. */
final class TlsLog {
    private TlsLog() {
    }

    /** {@code TLSv1.3 with cipher TLS_AES_256_GCM_SHA384}. */
    static String protocolAndCipher(SSLSession session) {
        return session == null ? "no TLS" : session.getProtocol() + " with cipher " + session.getCipherSuite();
    }
}
