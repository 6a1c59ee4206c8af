package org.carrier.admin.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.carrier.api.smtp.SmtpIntake;
import org.junit.jupiter.api.Test;

class DrainCommandsTest {
    private final FakeQueue queue = new FakeQueue(QueueCommandsTest.NOW,
            QueueCommandsTest.deferred("AAAAAAAAAAA1", "alice@example.org", "bob@example.com", QueueCommandsTest.NOW));
    private final Switch intake = new Switch();
    private final DrainCommands commands = new DrainCommands(intake, queue, System::nanoTime);

    /** The SMTP server's switch as the command sees it. */
    static final class Switch implements SmtpIntake {
        volatile boolean draining;

        @Override
        public boolean setDraining(boolean drain) {
            boolean before = draining;
            draining = drain;
            return before;
        }

        @Override
        public boolean isDraining() {
            return draining;
        }

        @Override
        public long openSessions() {
            return 2;
        }
    }

    @Test
    void drainSaysWhatIsLeftAndUndrainEndsIt() throws Exception {
        assertEquals("draining: new SMTP sessions get 421 4.3.2; 2 sessions open; 1 message in the queue", commands.drain());
        assertTrue(intake.draining);
        assertTrue(commands.drain().startsWith("already draining: "));
        assertEquals("draining ended: new SMTP sessions are accepted; 1 message in the queue", commands.drain("--off"));
        assertFalse(intake.draining);
        assertTrue(commands.undrain().startsWith("was not draining: "));
    }

    @Test
    void waitReturnsOnceTheQueueIsEmptyAndFailsWithWhatRemains() throws Exception {
        CommandFailure late = assertThrows(CommandFailure.class, () -> commands.drain("--wait", "0"));
        assertEquals("after 0 s: 1 message in the queue", late.getMessage());
        assertTrue(intake.draining, "the drain itself holds even when the wait runs out");

        // The queue delivers its last message while the command waits (the third look at the clock, in the loop).
        int[] looks = {0};
        DrainCommands waiting = new DrainCommands(intake, queue, () -> {
            if (++looks[0] == 3) {
                queue.messages.clear();
            }
            return System.nanoTime();
        });
        String done = waiting.drain("--wait", "10");
        assertTrue(done.startsWith("already draining: ") && done.contains("the queue is empty (after "), done);
    }

    @Test
    void badOptionsAreRefusedWithTheUsage() {
        assertEquals(DrainCommands.USAGE, assertThrows(CommandFailure.class, () -> commands.drain("--handover")).getMessage());
        assertEquals("--wait soon: expected a number of seconds from 0 to 86400",
                assertThrows(CommandFailure.class, () -> commands.drain("--wait", "soon")).getMessage());
        assertFalse(intake.draining, "nothing is drained by a command that was refused");
    }
}
