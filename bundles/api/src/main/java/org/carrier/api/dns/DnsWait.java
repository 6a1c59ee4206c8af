package org.carrier.api.dns;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one rule by which a part that must wait for a {@link DnsResolver} answer (MX routing, next-hop addresses, the
 * DANE decision) waits: at most {@code maxWait}; the resolver's own {@link DnsLookupException} comes out as it is, and
 * anything else (a timeout, an interrupt, an unexpected failure) as a {@link DnsLookupException.Kind#TEMPORARY} one,
 * since the same question may be answered later.
 */
public final class DnsWait {
    private DnsWait() {
    }

    /**
     * @param subject what was asked, to start the message of a failure that is not the resolver's (e.g. a host name),
     *                or {@code null}
     */
    public static <T> T await(CompletionStage<T> stage, Duration maxWait, String subject) throws DnsLookupException {
        String prefix = subject == null ? "" : subject + ": ";
        try {
            return stage.toCompletableFuture().get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                if (cause instanceof DnsLookupException lookup) {
                    throw lookup;
                }
            }
            throw new DnsLookupException(DnsLookupException.Kind.TEMPORARY, prefix + e.getCause());
        } catch (TimeoutException e) {
            throw new DnsLookupException(DnsLookupException.Kind.TEMPORARY, prefix + "no DNS answer within " + maxWait.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DnsLookupException(DnsLookupException.Kind.TEMPORARY, prefix + "interrupted");
        }
    }
}
