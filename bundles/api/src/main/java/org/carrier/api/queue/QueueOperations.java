package org.carrier.api.queue;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What an administrator does with the queue (the web console and the shell call this), in the spirit
 * of Postfix's {@code postqueue} and {@code postsuper}. Every change is on disk before the method
 * returns, and applies to a message even while a delivery attempt of it is running: the attempt's
 * outcome is recorded on top of the change (a deleted message stays deleted).
 */
@ProviderType
public interface QueueOperations {

    /** The messages matching {@code filter}, oldest first, at most {@link QueueFilter#limit()} of them. */
    List<QueuedMessage> list(QueueFilter filter);

    /** One message with its envelope, the state of each recipient and their last replies. */
    Optional<QueuedMessage> show(String queueId);

    /**
     * The header section of one message as a transport would send it (the queue's own prepended fields first), up to
     * the empty line that ends it (RFC 5322 §2.1), at most {@code maxBytes} of it; for an administrator to look at.
     *
     * @return empty if no such message, or if this queue cannot show message content (the default)
     * @since 1.2
     */
    default Optional<String> headerSection(String queueId, int maxBytes) {
        return Optional.empty();
    }

    /** Puts a message on hold: no delivery attempt starts until it is released. @return false if no such message */
    boolean hold(String queueId);

    /** Releases a held message; its waiting recipients are tried at once. @return false if no such message */
    boolean release(String queueId);

    /** Deletes a message without delivering it and without any DSN. @return false if no such message */
    boolean delete(String queueId);

    /**
     * Tries the waiting (pending or deferred) recipients of one message now, whatever their backoff says.
     * A held message stays held. @return false if no such message
     */
    boolean retryNow(String queueId);

    /** Tries now every waiting recipient whose domain is {@code domain}. @return the number of messages affected */
    int retryDomain(String domain);

    /** Tries every waiting recipient of every message that is not on hold now (a queue flush). @return the number of messages */
    int retryAll();

    /**
     * After a routing change: the waiting recipients of the matching messages are routed again now with the
     * current routes and delivered where those lead (the router is asked afresh at every attempt; this makes
     * the attempt happen at once instead of at each recipient's next retry time).
     *
     * @return the number of messages affected
     */
    int reroute(QueueFilter filter);
}
