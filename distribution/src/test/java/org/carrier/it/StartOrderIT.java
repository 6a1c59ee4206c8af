package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, a faster start: the mail starts first and the administration after it (bin/carrier's launcher gives the
 * bundles of conf/felix.properties' carrier.startlevel.admin a later start level), so the SMTP listener is bound
 * before Jetty, the web console and the shell socket start, and they all start. An order, not a timing.
 */
class StartOrderIT {
    @TempDir
    Path folder;

    @Test
    void theSmtpListenerIsUpBeforeTheAdministrationStarts() throws Exception {
        try (RunningCarrier carrier = new RunningCarrier(folder)) {
            carrier.start();
            String log = carrier.awaitLog("shell socket ");
            int listener = log.indexOf("listener default (mx) on");
            int jetty = log.indexOf("Started Jetty");
            int shell = log.indexOf("shell socket ");
            assertTrue(listener >= 0 && jetty >= 0 && shell >= 0, "all three started:\n" + log);
            assertTrue(listener < jetty, "the SMTP listener before Jetty:\n" + log);
            assertTrue(listener < shell, "the SMTP listener before the shell socket:\n" + log);
        }
    }
}
