package org.carrier.smtp.server.internal;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

import org.carrier.api.filter.AuthResult;
import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.FilterStage;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.SessionInfo;
import org.carrier.api.message.SmtpReply;
import org.carrier.api.text.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed, ordered list of filters (a snapshot taken when a session or transaction starts) and how
 * to run one stage of it. A filter that throws, or does not answer within its time budget, fails safe:
 * the command gets {@code 451 4.3.0} and the log names the filter.
 */
final class FilterChain {
    private static final Logger LOG = LoggerFactory.getLogger(FilterChain.class);

    /** A filter with the name it is known by in logs. */
    record Named(String name, SmtpFilter filter) {
    }

    /** How one stage calls one filter, with the filter's state for the transaction (null at connect and HELO). */
    @FunctionalInterface
    interface Hook {
        FilterResult call(SmtpFilter filter, TransactionState state);
    }

    /**
     * The combined verdict of one stage.
     *
     * @param refusal    the reply refusing the command, or null to go on
     * @param headers    header fields the filters asked to add
     * @param authResults authentication results the filters reported (RFC 8601)
     * @param discard    whether a filter asked to drop the message
     * @param hold       whether a filter asked to hold the message
     * @param disconnect whether to close the connection after replying
     * @param decidedBy  the filter that refused, discarded or held, for logs
     * @param edits      the changes the DATA filters asked for, in chain order; also on a refusal, so that the
     *                   replacement bodies they hand over are deleted ({@link MessageEditor#release})
     */
    record Verdict(SmtpReply refusal, List<HeaderField> headers, List<AuthResult> authResults, boolean discard,
                   boolean hold, boolean disconnect, String decidedBy, List<MessageEditor.FilterEdits> edits) {
        static final Verdict NONE = new Verdict(null, List.of(), List.of(), false, false, false, null, List.of());
    }

    static final FilterChain EMPTY = new FilterChain(List.of());

    private final List<Named> filters;
    /** The stages each filter hooks ({@link SmtpFilter#stages()}), as asked when this snapshot was taken. */
    private final List<Set<FilterStage>> stages;
    /** The stages at least one of the filters hooks. */
    private final Set<FilterStage> hooked = EnumSet.noneOf(FilterStage.class);
    private final ExecutorService pool;
    private final long budgetMillis;
    /** Where each filter's verdict is counted. */
    private final ServerMetrics metrics;

    /** Filters called on the caller's thread, without a time budget. */
    FilterChain(List<Named> filters) {
        this(filters, ServerMetrics.BUNDLE);
    }

    /** Filters called on the caller's thread, without a time budget, their verdicts counted in {@code metrics}. */
    FilterChain(List<Named> filters, ServerMetrics metrics) {
        this(filters, null, 0, metrics);
    }

    /** Filters called on {@code pool}, each call given at most {@code budgetMillis}. */
    FilterChain(List<Named> filters, ExecutorService pool, long budgetMillis) {
        this(filters, pool, budgetMillis, ServerMetrics.BUNDLE);
    }

    FilterChain(List<Named> filters, ExecutorService pool, long budgetMillis, ServerMetrics metrics) {
        this(filters, pool, budgetMillis, metrics, true);
    }

    private FilterChain(List<Named> filters, ExecutorService pool, long budgetMillis, ServerMetrics metrics, boolean register) {
        this.filters = List.copyOf(filters);
        this.stages = this.filters.stream().map(FilterChain::stagesOf).toList();
        this.stages.forEach(hooked::addAll);
        this.pool = pool;
        this.budgetMillis = budgetMillis;
        this.metrics = metrics;
        if (register) {
            this.filters.forEach(f -> metrics.known(f.name()));
        }
    }

    /**
     * The same filters with the stages they hook asked anew: what a session takes when it starts and each transaction
     * at MAIL FROM, so a filter whose stages change (a milter after option negotiation) is called at its new ones.
     */
    FilterChain snapshot() {
        return filters.isEmpty() ? this : new FilterChain(filters, pool, budgetMillis, metrics, false);
    }

    /**
     * A filter's declared stages. One that cannot say is called at every stage, where its hooks can fail safe
     * ({@code 451 4.3.0}): left out, it could let through what it exists to refuse.
     */
    private static Set<FilterStage> stagesOf(Named f) {
        try {
            Set<FilterStage> declared = f.filter().stages();
            if (declared == null) {
                throw new IllegalStateException("no stages (null)");
            }
            return declared.isEmpty() ? EnumSet.noneOf(FilterStage.class) : EnumSet.copyOf(declared);
        } catch (RuntimeException e) {
            LOG.error("filter {} failed to name its stages: {}; calling it at every stage", f.name(), e.toString());
            return EnumSet.allOf(FilterStage.class);
        }
    }

    /** Whether any filter has a hook for the stage; if none has, running it returns at once, without a worker. */
    boolean hooks(FilterStage stage) {
        return hooked.contains(stage);
    }

    /** A new, empty state for each filter, for the transaction that begins at MAIL FROM. */
    States newStates() {
        TransactionState[] states = new TransactionState[filters.size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = new TransactionState();
        }
        return new States(states);
    }

    /** The filters' states of one transaction, in chain order; dropped together when it ends. */
    final class States {
        private final TransactionState[] states;

        private States(TransactionState[] states) {
            this.states = states;
        }

        /** Drops every filter's state (closing what it holds); a close that throws is logged with the filter's name. */
        void end(String logId) {
            for (int i = 0; i < states.length; i++) {
                String name = filters.get(i).name();
                states[i].end(e -> LOG.error("{}: filter {} failed to end its transaction state: {}", logId, name, e.toString()));
            }
        }
    }

    /** A session stage (connect, HELO): there is no transaction, and no state. */
    Verdict run(String logId, FilterStage stage, Function<SmtpFilter, FilterResult> call) {
        return run(logId, stage, null, (filter, state) -> call.apply(filter), result -> { });
    }

    /** A stage of a transaction: each filter gets its own state from {@code states}. */
    Verdict run(String logId, FilterStage stage, States states, Hook hook) {
        return run(logId, stage, states, hook, result -> { });
    }

    /**
     * Runs one stage, filter after filter, until one decides.
     *
     * @param states the transaction's states, or null at the session stages
     * @param seen   told of each filter's result before the next filter runs (the data stage shows earlier
     *               authentication results to later filters this way)
     */
    Verdict run(String logId, FilterStage stage, States states, Hook hook, Consumer<FilterResult> seen) {
        List<HeaderField> headers = new ArrayList<>();
        List<AuthResult> authResults = new ArrayList<>();
        List<MessageEditor.FilterEdits> edits = new ArrayList<>();
        boolean hold = false;
        String holder = null;
        for (int i = 0; i < filters.size(); i++) {
            if (!stages.get(i).contains(stage)) {
                continue;
            }
            Named f = filters.get(i);
            TransactionState state = states == null ? null : states.states[i];
            FilterResult result;
            try {
                result = call(f, filter -> hook.call(filter, state));
            } catch (RuntimeException e) {
                LOG.error("{}: filter {} failed: {}", logId, f.name(), e.toString());
                metrics.verdict(f.name(), FilterAction.TEMPFAIL);
                return new Verdict(Reply.FILTER_FAILURE, headers, authResults, false, false, false, f.name(), edits);
            } catch (TimeoutException e) {
                LOG.error("{}: filter {} exceeded its time budget of {} ms", logId, f.name(), budgetMillis);
                metrics.verdict(f.name(), FilterAction.TEMPFAIL);
                return new Verdict(Reply.FILTER_FAILURE, headers, authResults, false, false, false, f.name(), edits);
            }
            metrics.verdict(f.name(), result == null ? FilterAction.CONTINUE : result.action());
            if (result == null) {
                continue;
            }
            seen.accept(result);
            takeEdits(logId, stage, f, result, edits);
            headers.addAll(result.headers());
            authResults.addAll(result.authResults());
            switch (result.action()) {
                case REJECT, TEMPFAIL -> {
                    // a filter's reply may quote the client (an SPF explanation expands the HELO name)
                    LOG.info("{}: {} by filter {}", logId, Printable.text(String.valueOf(result.reply())), f.name());
                    return new Verdict(result.reply(), headers, authResults, false, false, result.disconnect(), f.name(), edits);
                }
                case DISCARD -> {
                    return new Verdict(null, headers, authResults, true, false, result.disconnect(), f.name(), edits);
                }
                case ACCEPT -> {
                    return new Verdict(null, headers, authResults, false, hold, result.disconnect(), holder, edits);
                }
                case HOLD -> {
                    hold = true;
                    holder = f.name();
                }
                default -> {
                    // CONTINUE
                }
            }
            if (result.disconnect()) {
                return new Verdict(null, headers, authResults, false, hold, true, f.name(), edits);
            }
        }
        return new Verdict(null, headers, authResults, false, hold, false, holder, edits);
    }

    /**
     * Keeps a DATA filter's edits for the end of the stage. At the other stages there is no message to change yet: the
     * edits are ignored, with a log line, and a replacement body handed over is deleted (the server owns it).
     */
    private static void takeEdits(String logId, FilterStage stage, Named f, FilterResult result, List<MessageEditor.FilterEdits> edits) {
        if (result.edits().isEmpty()) {
            return;
        }
        MessageEditor.FilterEdits taken = new MessageEditor.FilterEdits(f.name(), result.edits());
        if (stage == FilterStage.DATA) {
            edits.add(taken);
        } else {
            LOG.warn("{}: edits from filter {} at {} ignored: only a DATA filter may change the message ({})", logId, f.name(),
                    stage, result.edits());
            MessageEditor.release(List.of(taken));
        }
    }

    /**
     * The largest message this session may send: the least of the listener's limit and every filter's
     * ({@link SmtpFilter#maxMessageSize}). A filter that throws here is left out, with a log line: the
     * listener's own limit still holds.
     */
    long maxMessageSize(SessionInfo session, long listenerLimit) {
        return sizeLimit(session, listenerLimit).bytes();
    }

    /**
     * Counts a message refused for its size (RFC 1870 §6: declared at MAIL, or found during DATA or BDAT) as a reject
     * by the filter whose limit it exceeded; nothing when the listener's own limit was the smaller.
     */
    void countSizeRefusal(SessionInfo session, long listenerLimit) {
        Named by = sizeLimit(session, listenerLimit).by();
        if (by != null) {
            metrics.verdict(by.name(), FilterAction.REJECT);
        }
    }

    /** @param by the filter that set the limit, or null for the listener's own */
    private record SizeLimit(long bytes, Named by) {
    }

    private SizeLimit sizeLimit(SessionInfo session, long listenerLimit) {
        long limit = listenerLimit;
        Named by = null;
        for (Named f : filters) {
            try {
                long own = f.filter().maxMessageSize(session);
                if (own < limit) {
                    limit = own;
                    by = f;
                }
            } catch (RuntimeException e) {
                LOG.error("{}: filter {} failed to give its size limit: {}", session.sessionId(), f.name(), e.toString());
            }
        }
        return new SizeLimit(limit, by);
    }

    private FilterResult call(Named f, Function<SmtpFilter, FilterResult> stage) throws TimeoutException {
        if (pool == null) {
            return stage.apply(f.filter());
        }
        Future<FilterResult> call;
        try {
            call = pool.submit(() -> stage.apply(f.filter()));
        } catch (RejectedExecutionException e) {
            throw new IllegalStateException("no thread free to run the filter", e);
        }
        try {
            return call.get(budgetMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            throw new IllegalStateException("interrupted while the filter ran", e);
        }
    }
}
