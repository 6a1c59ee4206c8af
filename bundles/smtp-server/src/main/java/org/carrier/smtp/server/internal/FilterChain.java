package org.carrier.smtp.server.internal;

import java.util.ArrayList;
import java.util.Collections;
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
import org.carrier.api.filter.MessageView;
import org.carrier.api.filter.SmtpFilter;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.Recipient;
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
        /** Whether the filter has its own hook for the stage (its class overrides the interface's default). */
        boolean hooks(Stage stage) {
            return HOOKED_STAGES.get(filter.getClass()).contains(stage);
        }
    }

    /** The stages of a session, each one {@link SmtpFilter} method. */
    enum Stage {
        CONNECT("connect", SessionInfo.class),
        HELO("helo", SessionInfo.class),
        MAIL("mailFrom", SessionInfo.class, Envelope.class),
        RCPT("rcptTo", SessionInfo.class, Envelope.class, Recipient.class),
        DATA("data", SessionInfo.class, Envelope.class, MessageView.class);

        private final String method;
        private final Class<?>[] parameters;

        Stage(String method, Class<?>... parameters) {
            this.method = method;
            this.parameters = parameters;
        }

        private boolean overriddenBy(Class<?> type) {
            try {
                return type.getMethod(method, parameters).getDeclaringClass() != SmtpFilter.class;
            } catch (NoSuchMethodException e) {
                return true;
            }
        }
    }

    /**
     * The stages a filter class has hooks for. A filter leaves the others to the interface's defaults, which only
     * proceed: skipping them saves a hop to a worker thread per filter and stage (the size filter has none at all).
     */
    private static final ClassValue<Set<Stage>> HOOKED_STAGES = new ClassValue<>() {
        @Override
        protected Set<Stage> computeValue(Class<?> type) {
            Set<Stage> stages = EnumSet.noneOf(Stage.class);
            for (Stage stage : Stage.values()) {
                if (stage.overriddenBy(type)) {
                    stages.add(stage);
                }
            }
            return Collections.unmodifiableSet(stages);
        }
    };

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
     */
    record Verdict(SmtpReply refusal, List<HeaderField> headers, List<AuthResult> authResults, boolean discard,
                   boolean hold, boolean disconnect, String decidedBy) {
        static final Verdict NONE = new Verdict(null, List.of(), List.of(), false, false, false, null);
    }

    static final FilterChain EMPTY = new FilterChain(List.of());

    private final List<Named> filters;
    /** The stages at least one of the filters hooks. */
    private final Set<Stage> hooked = EnumSet.noneOf(Stage.class);
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
        this.filters = List.copyOf(filters);
        this.filters.forEach(f -> hooked.addAll(HOOKED_STAGES.get(f.filter().getClass())));
        this.pool = pool;
        this.budgetMillis = budgetMillis;
        this.metrics = metrics;
        this.filters.forEach(f -> metrics.known(f.name()));
    }

    /** Whether any filter has a hook for the stage; if none has, running it returns at once, without a worker. */
    boolean hooks(Stage stage) {
        return hooked.contains(stage);
    }

    Verdict run(String logId, Stage stage, Function<SmtpFilter, FilterResult> call) {
        return run(logId, stage, call, result -> { });
    }

    /**
     * Runs one stage, filter after filter, until one decides.
     *
     * @param seen told of each filter's result before the next filter runs (the data stage shows earlier
     *             authentication results to later filters this way)
     */
    Verdict run(String logId, Stage stage, Function<SmtpFilter, FilterResult> call, Consumer<FilterResult> seen) {
        List<HeaderField> headers = new ArrayList<>();
        List<AuthResult> authResults = new ArrayList<>();
        boolean hold = false;
        String holder = null;
        for (Named f : filters) {
            if (!f.hooks(stage)) {
                continue;
            }
            FilterResult result;
            try {
                result = call(f, call);
            } catch (RuntimeException e) {
                LOG.error("{}: filter {} failed: {}", logId, f.name(), e.toString());
                metrics.verdict(f.name(), FilterAction.TEMPFAIL);
                return new Verdict(Reply.FILTER_FAILURE, headers, authResults, false, false, false, f.name());
            } catch (TimeoutException e) {
                LOG.error("{}: filter {} exceeded its time budget of {} ms", logId, f.name(), budgetMillis);
                metrics.verdict(f.name(), FilterAction.TEMPFAIL);
                return new Verdict(Reply.FILTER_FAILURE, headers, authResults, false, false, false, f.name());
            }
            metrics.verdict(f.name(), result == null ? FilterAction.CONTINUE : result.action());
            if (result == null) {
                continue;
            }
            seen.accept(result);
            headers.addAll(result.headers());
            authResults.addAll(result.authResults());
            switch (result.action()) {
                case REJECT, TEMPFAIL -> {
                    // a filter's reply may quote the client (an SPF explanation expands the HELO name)
                    LOG.info("{}: {} by filter {}", logId, Printable.text(String.valueOf(result.reply())), f.name());
                    return new Verdict(result.reply(), headers, authResults, false, false, result.disconnect(), f.name());
                }
                case DISCARD -> {
                    return new Verdict(null, headers, authResults, true, false, result.disconnect(), f.name());
                }
                case ACCEPT -> {
                    return new Verdict(null, headers, authResults, false, hold, result.disconnect(), holder);
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
                return new Verdict(null, headers, authResults, false, hold, true, f.name());
            }
        }
        return new Verdict(null, headers, authResults, false, hold, false, holder);
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
