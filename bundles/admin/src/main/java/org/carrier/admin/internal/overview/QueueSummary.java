package org.carrier.admin.internal.overview;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.queue.RecipientStatus;

/**
 * The queue at a glance, from one {@code QueueOperations.list} snapshot: how many messages and recipients stand in
 * each state, and the same per destination domain (the domain of each recipient's address), busiest domain first.
 *
 * @param messages          messages in the queue
 * @param held              of those, messages on hold
 * @param messagesByState   messages having at least one recipient in each state (a message with one delivered and one
 *                          deferred recipient counts in both), every state present, 0 when none
 * @param recipientsByState recipients in each state, every state present
 * @param domains           per destination domain, the domains with the most waiting recipients first
 */
public record QueueSummary(int messages, int held, Map<DeliveryState, Integer> messagesByState,
                           Map<DeliveryState, Integer> recipientsByState, List<DomainCount> domains) {

    public QueueSummary {
        messagesByState = Collections.unmodifiableMap(new EnumMap<>(messagesByState));
        recipientsByState = Collections.unmodifiableMap(new EnumMap<>(recipientsByState));
        domains = List.copyOf(domains);
    }

    /**
     * One destination domain's part of the queue.
     *
     * @param domain            the recipients' domain, lower case
     * @param messages          messages with at least one recipient there
     * @param recipientsByState its recipients in each state, every state present
     */
    public record DomainCount(String domain, int messages, Map<DeliveryState, Integer> recipientsByState) {
        public DomainCount {
            recipientsByState = Collections.unmodifiableMap(new EnumMap<>(recipientsByState));
        }

        /** Recipients still to be delivered there: pending or deferred. */
        public int waiting() {
            return recipientsByState.get(DeliveryState.PENDING) + recipientsByState.get(DeliveryState.DEFERRED);
        }
    }

    /** Counts {@code queued} (for example {@code operations.list(QueueFilter.any())}). */
    public static QueueSummary of(List<QueuedMessage> queued) {
        Map<DeliveryState, Integer> messagesByState = zeroes();
        Map<DeliveryState, Integer> recipientsByState = zeroes();
        Map<String, DomainTally> byDomain = new TreeMap<>();
        int held = 0;
        for (QueuedMessage message : queued) {
            if (message.held()) {
                held++;
            }
            Set<DeliveryState> statesOfMessage = EnumSet.noneOf(DeliveryState.class);
            for (RecipientStatus recipient : message.recipients()) {
                statesOfMessage.add(recipient.state());
                recipientsByState.merge(recipient.state(), 1, Integer::sum);
                byDomain.computeIfAbsent(recipient.recipient().address().domain(), d -> new DomainTally())
                        .add(message.queueId(), recipient.state());
            }
            statesOfMessage.forEach(state -> messagesByState.merge(state, 1, Integer::sum));
        }
        List<DomainCount> domains = new ArrayList<>();
        byDomain.forEach((domain, tally) -> domains.add(new DomainCount(domain, tally.messages.size(), tally.recipients)));
        domains.sort(Comparator.comparingInt(DomainCount::waiting).reversed()); // stable: ties stay in name order
        return new QueueSummary(queued.size(), held, messagesByState, recipientsByState, domains);
    }

    private static Map<DeliveryState, Integer> zeroes() {
        Map<DeliveryState, Integer> counts = new EnumMap<>(DeliveryState.class);
        for (DeliveryState state : DeliveryState.values()) {
            counts.put(state, 0);
        }
        return counts;
    }

    private static final class DomainTally {
        final Set<String> messages = new HashSet<>();
        final Map<DeliveryState, Integer> recipients = zeroes();

        void add(String queueId, DeliveryState state) {
            messages.add(queueId);
            recipients.merge(state, 1, Integer::sum);
        }
    }
}
