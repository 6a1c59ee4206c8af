package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

/**
 * Fail fast on a taken port (issue 19): a listener configured at start that cannot bind stops Carrier with a non-zero
 * exit status and one log line naming the listener and its address; one added while Carrier runs is logged, and the
 * others keep working.
 */
class BindFailureIT {
    /** Within this, Carrier must have given up (it starts in about 1.5 s; the bind fails as the listener starts). */
    private static final int EXIT_WITHIN_SECONDS = 30;

    @Test
    void aListenerThatCannotBindAtStartStopsCarrierAndNamesListenerAndAddress() throws Exception {
        Path work = Files.createTempDirectory(Distribution.home().getParent(), "e2e-bindfail-");
        RunningCarrier carrier = new RunningCarrier(work);
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), carrier.smtpPort));
            long begun = System.nanoTime();
            OptionalInt status = carrier.startExpectingExit(EXIT_WITHIN_SECONDS);
            double seconds = (System.nanoTime() - begun) / 1e9;
            assertTrue(status.isPresent(), "Carrier still runs " + EXIT_WITHIN_SECONDS + " s after start without its listener:\n"
                    + carrier.console());
            System.out.printf("a taken port at start: exit status %d after %.1f s%n", status.getAsInt(), seconds);
            assertEquals(78, status.getAsInt(), carrier.console());
            String line = "listener default: cannot listen on 127.0.0.1:" + carrier.smtpPort + ": ";
            String log = carrier.awaitLog(line);
            assertTrue(log.contains("org.carrier.smtp.listener-default.cfg"), "the line names the file: " + log);
            assertTrue(log.contains(line), log);
            assertTrue(log.contains("Carrier stops (exit status 78)"), log);
            assertEquals(1, log.split("cannot listen on", -1).length - 1, "one line: " + log);
            // the service manager's journal gets it too (the console shows errors without a terminal)
            assertTrue(carrier.console().contains(line), carrier.console());
        } finally {
            carrier.close();
        }
    }

    @Test
    void aListenerAddedWhileCarrierRunsOnATakenPortIsLoggedAndTheOthersKeepWorking() throws Exception {
        Path work = Files.createTempDirectory(Distribution.home().getParent(), "e2e-bindlate-");
        try (RunningCarrier carrier = new RunningCarrier(work).start(); ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            carrier.configure("org.carrier.smtp.listener-late.cfg", "name = late\nbindAddress = 127.0.0.1\nport = " + taken.getLocalPort() + "\n");
            String log = carrier.awaitLog("listener late: cannot listen on 127.0.0.1:" + taken.getLocalPort());
            assertTrue(log.contains("listener late: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use; the listener does not start until it is fixed"), log);
            assertFalse(log.contains("Carrier stops"), log);
            Thread.sleep(2_000); // an exit, if one came, would have come by now
            assertTrue(carrier.alive(), carrier.console());
            String reply = SmtpClient.send(carrier.smtpPort, "sender@client.test", List.of("alice@localhost"), SmtpClient.message("still here", 100));
            assertTrue(reply.startsWith("250"), reply);
        }
    }
}
