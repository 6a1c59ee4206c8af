package org.carrier.admin.internal.shell;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.smtp.SmtpIntake;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code carrier:drain [--wait SECONDS] [--off]} and {@code carrier:undrain}: take a node out of service before
 * maintenance or removal from a cluster. New SMTP sessions get 421 4.3.2 (see {@link SmtpIntake}), open ones finish,
 * and the queue goes on delivering; the command says how much is left. {@code --wait} returns once the queue is
 * empty, or fails (a non-zero exit of {@code bin/carrier shell}) after that many seconds with what remains, so a
 * script can stop the node only when nothing is left in it.
 */
@Component(service = DrainCommands.class, property = {
        "osgi.command.scope=carrier", "osgi.command.function=drain", "osgi.command.function=undrain"})
public class DrainCommands {
    static final String USAGE = "usage: carrier:drain [--wait SECONDS] | carrier:drain --off | carrier:undrain";
    /** The longest --wait: a day; a drain that takes longer needs a look at the queue, not a longer wait. */
    private static final int MAX_WAIT_SECONDS = 86_400;
    private static final long POLL_MILLIS = 200;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile SmtpIntake intake;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile QueueOperations queue;
    private final LongSupplier nanoTime;

    public DrainCommands() {
        this(null, null, System::nanoTime);
    }

    DrainCommands(SmtpIntake intake, QueueOperations queue, LongSupplier nanoTime) {
        this.intake = intake;
        this.queue = queue;
        this.nanoTime = nanoTime;
    }

    /** Starts draining (or, with {@code --off}, ends it); {@code --wait N} then waits up to N s for an empty queue. */
    public String drain(String... options) throws InterruptedException {
        if (options.length == 1 && options[0].equals("--off")) {
            return undrain();
        }
        int wait = waitSeconds(options);
        boolean already = intake().setDraining(true);
        String state = (already ? "already draining" : "draining") + ": new SMTP sessions get 421 4.3.2; "
                + sessions(intake().openSessions()) + " open";
        if (wait < 0) {
            return state + "; " + remaining(queue().list(QueueFilter.any()));
        }
        long start = nanoTime.getAsLong();
        long deadline = start + TimeUnit.SECONDS.toNanos(wait);
        List<QueuedMessage> left = queue().list(QueueFilter.any());
        while (!left.isEmpty() && nanoTime.getAsLong() < deadline) {
            Thread.sleep(POLL_MILLIS);
            left = queue().list(QueueFilter.any());
        }
        if (!left.isEmpty()) {
            System.out.println(state); // the session's output: the drain itself worked, only the wait ran out
            throw new CommandFailure("after " + wait + " s: " + remaining(left));
        }
        return state + "; the queue is empty (after " + String.format(java.util.Locale.ROOT, "%.1f",
                (nanoTime.getAsLong() - start) / 1e9) + " s)";
    }

    /** Ends draining: new sessions are greeted again. */
    public String undrain() {
        boolean was = intake().setDraining(false);
        return (was ? "draining ended" : "was not draining") + ": new SMTP sessions are accepted; "
                + remaining(queue().list(QueueFilter.any()));
    }

    private static int waitSeconds(String[] options) {
        if (options.length == 0) {
            return -1;
        }
        if (options.length != 2 || !options[0].equals("--wait")) {
            throw new CommandFailure(USAGE);
        }
        try {
            int seconds = Integer.parseInt(options[1]);
            if (seconds >= 0 && seconds <= MAX_WAIT_SECONDS) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new CommandFailure("--wait " + options[1] + ": expected a number of seconds from 0 to " + MAX_WAIT_SECONDS);
    }

    /** "3 messages in the queue (1 held: ...)": held mail does not leave on its own, so it is named apart. */
    static String remaining(List<QueuedMessage> messages) {
        long held = messages.stream().filter(QueuedMessage::held).count();
        String count = messages.size() + (messages.size() == 1 ? " message" : " messages") + " in the queue";
        return held == 0 ? count : count + " (" + held + " held: they leave only once released, see carrier:release)";
    }

    private static String sessions(long open) {
        return open + (open == 1 ? " session" : " sessions");
    }

    private SmtpIntake intake() {
        SmtpIntake current = intake;
        if (current == null) {
            throw new CommandFailure("the SMTP server is not running (bundle org.carrier.smtp.server)");
        }
        return current;
    }

    private QueueOperations queue() {
        QueueOperations current = queue;
        if (current == null) {
            throw new CommandFailure("the queue is not running (bundle org.carrier.queue)");
        }
        return current;
    }
}
