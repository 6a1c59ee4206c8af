package org.carrier.filter.dmarc.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;

/** Finds the DMARC record for a From domain (RFC 7489 §6.6.3). */
final class PolicyDiscovery {

    /** A record and where it was found. */
    record Found(DmarcRecord record, String domain) {
    }

    /** DNS gave no answer for now: DMARC's temperror (RFC 7489 §6.6.3 step 1 note). */
    static final class TemporaryFailure extends Exception {
        private static final long serialVersionUID = 1L;

        TemporaryFailure(String message) {
            super(message);
        }
    }

    private final DnsResolver resolver;
    private final Duration timeout;

    PolicyDiscovery(DnsResolver resolver, Duration timeout) {
        this.resolver = resolver;
        this.timeout = timeout;
    }

    /** The record at _dmarc.FROM, else at _dmarc.ORGANIZATIONAL-DOMAIN if that differs; empty if neither has one. */
    Optional<Found> discover(String fromDomain) throws TemporaryFailure {
        Optional<DmarcRecord> own = lookup(fromDomain);
        if (own.isPresent()) {
            return Optional.of(new Found(own.get(), fromDomain));
        }
        String organizational = OrganizationalDomain.of(fromDomain);
        if (organizational.equals(fromDomain)) {
            return Optional.empty();
        }
        return lookup(organizational).map(r -> new Found(r, organizational));
    }

    /** RFC 7489 §6.6.3 steps 3-5: only records starting v=DMARC1 count; more than one is as good as none. */
    private Optional<DmarcRecord> lookup(String domain) throws TemporaryFailure {
        List<String> records;
        try {
            records = resolver.txt("_dmarc." + domain).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DnsLookupException dns && dns.kind() != DnsLookupException.Kind.TEMPORARY) {
                return Optional.empty();
            }
            throw new TemporaryFailure("_dmarc." + domain + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new TemporaryFailure("_dmarc." + domain + ": no answer in " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TemporaryFailure("_dmarc." + domain + ": interrupted");
        }
        List<String> dmarc = records.stream().filter(DmarcRecord::isDmarc).toList();
        return dmarc.size() == 1 ? DmarcRecord.parse(dmarc.get(0)) : Optional.empty();
    }
}
