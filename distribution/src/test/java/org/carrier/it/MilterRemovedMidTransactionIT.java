package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.carrier.testing.milter.MilterReply;
import org.carrier.testing.milter.TestMilter;
import org.junit.jupiter.api.Test;

/**
 * The milter jar is deleted from deploy/ while a transaction it began is still open (MAIL FROM and RCPT TO told to the
 * milter, the data not sent yet). The SMTP server keeps a transaction's filter chain to its end, so that transaction
 * is still scanned to its 250, although FileInstall has uninstalled and refreshed the bundle by then (before the fix
 * the end of message needed a class the refreshed bundle could no longer load: {@code 451 4.3.0}, a
 * NoClassDefFoundError in the log). The next transaction of the same session is not scanned.
 */
class MilterRemovedMidTransactionIT {

    @Test
    void aTransactionBegunBeforeTheJarWasRemovedIsScannedToItsEnd() throws Exception {
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-milter-midtx-");
        TestMilter milter = TestMilter.start().on(TestMilter.Stage.EOM, MilterReply.addHeader("X-Test-Milter", "scanned"), MilterReply.accept());
        RunningCarrier carrier = new RunningCarrier(dir);
        try {
            carrier.configure("org.carrier.filter.milter-midtx.cfg", "address = " + milter.address() + "\n");
            Path deployed = carrier.home.resolve("deploy/org.carrier.filter.milter.jar");
            Files.copy(carrier.home.resolve("extras/org.carrier.filter.milter.jar"), deployed);
            carrier.start();
            assertTrue(carrier.awaitLog("milter midtx: " + milter.address()).contains("milter midtx: " + milter.address()), carrier.console());
            try (SmtpClient smtp = new SmtpClient("127.0.0.1", carrier.smtpPort)) {
                smtp.reply();
                smtp.command("EHLO client.test");
                assertTrue(smtp.command("MAIL FROM:<sender@client.test>").startsWith("250"));
                assertTrue(smtp.command("RCPT TO:<postmaster@localhost>").startsWith("250"));
                milter.await(c -> c.code() == 'R', Duration.ofSeconds(10));

                Files.delete(deployed);
                String log = carrier.awaitLog("Uninstalling bundle");
                assertTrue(log.contains("Uninstalling bundle"), "FileInstall never removed the jar:\n" + carrier.console());
                Thread.sleep(3000); // FileInstall refreshes the uninstalled bundle right after

                String reply = smtp.data("Subject: begun with the milter\r\n\r\nbody\r\n");
                assertTrue(reply.startsWith("250"), reply + "\n" + carrier.awaitLog("milter"));
                assertEquals(1, milter.received('E').size(), "the end of message reached the milter");

                int connections = milter.connections();
                assertTrue(smtp.command("MAIL FROM:<sender@client.test>").startsWith("250"));
                assertTrue(smtp.command("RCPT TO:<postmaster@localhost>").startsWith("250"));
                assertTrue(smtp.data("Subject: after the milter left\r\n\r\nbody\r\n").startsWith("250"));
                assertEquals(connections, milter.connections(), "no milter for a transaction begun after its removal");
            }
            assertTrue(Distribution.waitFor(30, () -> messages(carrier).length == 2), "not both delivered:\n" + carrier.awaitLog("to=<"));
            String scanned = "";
            String unscanned = "";
            for (String m : messages(carrier)) {
                if (m.contains("begun with the milter")) {
                    scanned = m;
                } else {
                    unscanned = m;
                }
            }
            assertTrue(scanned.contains("X-Test-Milter: scanned"), scanned);
            assertTrue(!unscanned.contains("X-Test-Milter"), unscanned);
        } finally {
            Distribution.closeAll(carrier, milter);
        }
    }

    private static String[] messages(RunningCarrier carrier) {
        Path inbox = carrier.maildir("root").resolve("new");
        if (!Files.isDirectory(inbox)) {
            return new String[0];
        }
        try (Stream<Path> files = Files.list(inbox)) {
            return files.map(f -> {
                try {
                    return Files.readString(f, StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    return "";
                }
            }).toArray(String[]::new);
        } catch (java.io.IOException e) {
            return new String[0];
        }
    }
}
