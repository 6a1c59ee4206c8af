package org.carrier.tlsreport.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.dns.DnsLookupException;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.dns.DnsWait;
import org.carrier.api.message.MailAddress;
import org.carrier.api.metrics.CounterFamily;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.metrics.MetricWriter;
import org.carrier.api.net.HostName;
import org.carrier.api.queue.MailQueue;
import org.carrier.api.report.ClusterTallies;
import org.carrier.api.report.DailySchedule;
import org.carrier.api.report.ReportMessage;
import org.carrier.api.report.ReportOutcome;
import org.carrier.api.report.ReportWorker;
import org.carrier.api.tls.TlsResultRecorder;
import org.carrier.api.tls.TlsSessionResult;
import org.carrier.api.tls.WebPkiTrust;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMTP TLS Reporting (RFC 8460): counts the result of each outbound TLS session the SMTP transport reports, keeps the
 * counts under {@code <carrier.data.dir>/tls-report/} (saved every {@code saveSeconds}, so a crash loses at most
 * that much), and once a UTC day, a random number of minutes after midnight, sends each policy domain with results
 * the JSON report of the day before to the {@code rua} of its {@code _smtp._tls} TXT record. Also the
 * {@code carrier_tlsrpt_reports_total} metric and the shell command {@code carrier:tlsrpt show|send}. The sessions
 * themselves are counted where they happen, by the SMTP transport ({@code carrier_smtp_tls_sessions_total}), once.
 * <p>
 * With a cluster ({@link SharedState}) every node adds its counts to the cluster's tallies every few seconds and one
 * node sends each report, with every node's counts ({@link ClusterTallies}); what a node cannot add (Redis down, or
 * the report claimed already) it reports alone, as a single node would. Results are counted in memory either way:
 * no delivery waits for Redis.
 */
@Component(service = {TlsResultRecorder.class, MetricSource.class, TlsReporter.class}, configurationPid = TlsReporter.PID,
        property = {"osgi.command.scope=carrier", "osgi.command.function=tlsrpt"})
@Designate(ocd = TlsReporter.Config.class)
public class TlsReporter implements TlsResultRecorder, MetricSource {
    static final String PID = "org.carrier.tlsreport";
    private static final Logger LOG = LoggerFactory.getLogger(TlsReporter.class);

    @ObjectClassDefinition(name = "Carrier TLS reporting (TLS-RPT)",
            description = "Counts outbound TLS sessions per recipient domain and sends the daily report (RFC 8460).")
    public @interface Config {
        @AttributeDefinition(name = "Send reports",
                description = "Send the daily reports to the domains that ask for them. Off: results are counted, shown "
                        + "and measured, but no report leaves unless sent by hand (carrier:tlsrpt send).")
        boolean enabled() default false;

        @AttributeDefinition(name = "Report sender", required = false,
                description = "The reports' From and envelope sender; empty: postmaster@ this host's domain.")
        String sender() default "";

        @AttributeDefinition(name = "Submitter", required = false,
                description = "The reporting domain named in the reports (Submitter, TLS-Report-Submitter); empty: the sender's domain.")
        String submitter() default "";

        @AttributeDefinition(name = "Organization name", required = false,
                description = "organization-name in the reports; empty: the submitter.")
        String organizationName() default "";

        @AttributeDefinition(name = "Contact", required = false,
                description = "contact-info in the reports (an address or a web page); empty: the sender.")
        String contactInfo() default "";

        @AttributeDefinition(name = "Send window (minutes after 00:00 UTC)", min = "1", max = "1380",
                description = "The day's reports are sent at a random minute within this long after midnight UTC.")
        int sendWindowMinutes() default 120;

        @AttributeDefinition(name = "Save every (s)", min = "1",
                description = "How often the counts are written to disk; a crash loses at most this much.")
        int saveSeconds() default 60;

        @AttributeDefinition(name = "Timeout (s)", min = "1",
                description = "For the _smtp._tls lookup and for each HTTPS POST.")
        int timeoutSeconds() default 30;

        @AttributeDefinition(name = "Extra CA file for https: reports", required = false,
                description = "PEM certificates trusted besides the JDK's roots for https: rua; empty: the JDK's roots.")
        String tlsCaFile() default "";
    }

    /** The settings of one accepted configuration. */
    record Settings(boolean enabled, MailAddress sender, String submitter, String organizationName, String contactInfo,
                    int sendWindowMinutes, int saveSeconds, Duration timeout, ReportDelivery delivery) {
    }

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final TlsResults results;
    private final ResultStore store;
    private final CounterFamily reports = new CounterFamily("carrier_tlsrpt_reports_total",
            "TLS reports sent (RFC 8460) by destination kind (mailto, https) and result (sent, failed)", "destination", "result");
    private final ConfigGuard<Config, Settings> configuration = new ConfigGuard<>(Config.class, "TLS reporting", LOG::error);
    private volatile Settings settings;
    /** Null when built by a test, which calls {@link #sendWhenDue} itself. */
    private volatile ReportWorker worker;
    private final DailySchedule schedule;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile DnsResolver dns;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailQueue queue;
    /** The cluster's state when one is configured; absent, this node reports what it counted, as without a cluster. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile SharedState sharedState;
    private final ClusterTallies<TlsResults.Period> tallies;

    @Activate
    public TlsReporter(BundleContext context, Config config, Map<String, Object> properties) {
        this(Clock.systemUTC(), dataDirectory(context.getProperty("carrier.data.dir")), config, properties);
        worker = ReportWorker.start("carrier-tlsrpt", this::sendWhenDue, this::save, () -> settings.saveSeconds(),
                (message, e) -> LOG.error("tlsrpt: {}", message, e));
    }

    TlsReporter(Clock clock, Path directory, Config config, Map<String, Object> properties) {
        this.clock = clock;
        this.tallies = new ClusterTallies<>("tlsrpt", clock, new Tallies(), "tlsrpt", LOG::warn);
        this.results = new TlsResults(clock);
        this.store = new ResultStore(directory);
        ResultStore.Saved saved = store.load();
        results.restore(saved.counts(), saved.flushedAt());
        configure(config, properties);
        schedule = new DailySchedule(clock, () -> settings.sendWindowMinutes());
        LOG.info("tlsrpt: {} policy entries not reported yet loaded from {}; reports are {}", saved.counts().size(),
                store.file(), settings.enabled() ? "sent daily" : "not sent (enabled = false)");
    }

    static Path dataDirectory(String carrierDataDir) {
        return Path.of(carrierDataDir == null ? "data" : carrierDataDir, "tls-report");
    }

    /** For tests: the shared state a cluster would give. */
    void sharedState(SharedState shared) {
        sharedState = shared;
    }

    /** A configuration with a bad value is refused whole, naming the key; the settings in force stay. */
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        settings = configuration.apply(config, properties, this::settings);
    }

    private Settings settings(Config c) {
        MailAddress sender = c.sender().isBlank() ? MailAddress.of("postmaster", domainOf(HostName.local()))
                : ConfigProblem.check("sender", c.sender(), () -> address(c.sender()));
        String submitter = c.submitter().isBlank() ? sender.domain() : c.submitter().strip();
        Duration timeout = Duration.ofSeconds(ConfigProblem.atLeast("timeoutSeconds", c.timeoutSeconds(), 1));
        Path caFile = c.tlsCaFile().isBlank() ? null : Path.of(c.tlsCaFile().strip());
        ReportDelivery delivery = ConfigProblem.check("tlsCaFile", c.tlsCaFile(), () -> delivery(caFile, timeout));
        return new Settings(c.enabled(), sender, submitter,
                c.organizationName().isBlank() ? submitter : c.organizationName().strip(),
                c.contactInfo().isBlank() ? sender.toString() : c.contactInfo().strip(),
                ConfigProblem.between("sendWindowMinutes", c.sendWindowMinutes(), 1, 1380),
                ConfigProblem.atLeast("saveSeconds", c.saveSeconds(), 1), timeout, delivery);
    }

    private static MailAddress address(String text) {
        MailAddress address = MailAddress.parse(text.strip());
        if (address.isNullSender()) {
            throw new IllegalArgumentException("expected a mail address such as postmaster@example.com");
        }
        return address;
    }

    private ReportDelivery delivery(Path caFile, Duration timeout) {
        try {
            return new ReportDelivery(clock, WebPkiTrust.clientContext(caFile), timeout);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("expected a readable PEM file of CA certificates: " + e.getMessage());
        }
    }

    /** {@code mail.example.com} is in {@code example.com}; a name of one or two labels is its own domain. */
    static String domainOf(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        int dot = name.indexOf('.');
        return dot > 0 && name.indexOf('.', dot + 1) > 0 ? name.substring(dot + 1) : name;
    }

    @Deactivate
    void stop() {
        if (worker != null) {
            worker.stop();
        }
        save();
    }

    @Override
    public void record(TlsSessionResult result) {
        try {
            if (!results.record(result)) {
                LOG.debug("tlsrpt: {} policy entries kept already; a result for {} is not reported",
                        TlsResults.MAX_POLICIES, result.policyDomain());
            }
        } catch (RuntimeException e) {
            LOG.error("tlsrpt: cannot record a result for {}", result.policyDomain(), e); // never into the delivery
        }
    }

    @Override
    public void collect(MetricWriter out) {
        reports.writeTo(out);
    }

    /** {@code carrier:tlsrpt}: what the command takes. */
    public String tlsrpt() {
        return "usage: carrier:tlsrpt show   (the results not reported yet)\n"
                + "       carrier:tlsrpt send   (send the reports of everything counted so far, now)";
    }

    /** {@code carrier:tlsrpt show} or {@code carrier:tlsrpt send}. */
    public String tlsrpt(String action) {
        return switch (action) {
            case "show" -> show();
            case "send" -> String.join("\n", sendNow());
            default -> tlsrpt();
        };
    }

    /** What is counted and not reported yet: with a cluster, every node's (the cluster's tallies and this node's). */
    private String show() {
        Map<PolicyKey, PolicyTotals> now = results.snapshot();
        SharedState shared = sharedState;
        StringBuilder note = new StringBuilder();
        if (shared != null) {
            for (ClusterTallies.Tally t : tallies.unsentOrNone(shared, clock.instant().plusSeconds(1), note::append)) {
                Tallies.policies(t).forEach((key, totals) -> now.merge(key, totals, PolicyTotals::plus));
            }
        }
        return ResultsText.show(now) + note;
    }

    /**
     * Sends the reports of everything counted so far, the current day's up to now included (its next report then
     * covers the rest of the day). An operator's command: it sends even with {@code enabled = false}. With a cluster:
     * the whole cluster's, and every node's next period starts now.
     */
    List<String> sendNow() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        List<TlsResults.Period> mine = results.take(now, true);
        List<String> lines = new ArrayList<>();
        SharedState shared = sharedState;
        if (shared != null) {
            mine = tallies.sendNow(shared, now, mine, lines);
        }
        lines.addAll(send(mine));
        save();
        return lines.isEmpty() ? List.of("tlsrpt: no results to report") : lines;
    }

    /** Once a UTC day, at a random minute of the send window (RFC 8460 §4.1: the reports cover whole UTC days). */
    void sendWhenDue() {
        SharedState shared = sharedState;
        if (shared != null && tallies.share(shared)) {
            save(); // at once: after a crash, counts the cluster has must not be added again from the file
        }
        Optional<Instant> midnight = schedule.due();
        if (midnight.isEmpty()) {
            return;
        }
        // A node that does not send (enabled = false) adds its counts but claims no report: an enabled node sends them.
        if (shared != null && settings.enabled()) {
            tallies.openRound(shared, midnight.get());
        }
        List<TlsResults.Period> periods = results.take(midnight.get(), false);
        if (settings.enabled()) {
            send(periods);
        } else if (!periods.isEmpty()) {
            LOG.info("tlsrpt: {} reports of days before {} not sent (enabled = false)", periods.size(),
                    LocalDate.ofInstant(midnight.get(), ZoneOffset.UTC));
        }
        save();
    }

    /** This reporter's periods as the cluster's tallies, in the state file's text form ({@link ResultStore#records}). */
    private final class Tallies implements ClusterTallies.Reporter<TlsResults.Period> {
        @Override
        public List<TlsResults.Period> takeAll() {
            return results.take(Instant.MAX, false);
        }

        @Override
        public void restore(List<TlsResults.Period> kept) {
            Map<PolicyKey, PolicyTotals> counts = new LinkedHashMap<>();
            kept.forEach(period -> counts.putAll(period.policies()));
            results.restore(counts, Instant.EPOCH);
        }

        @Override
        public void adoptFlush(Instant at) {
            results.adoptFlush(at);
        }

        @Override
        public ClusterTallies.Tally tally(TlsResults.Period period) {
            return new ClusterTallies.Tally(period.start(), period.domain(), "", ResultStore.records(period.policies()));
        }

        static Map<PolicyKey, PolicyTotals> policies(ClusterTallies.Tally t) {
            return ResultStore.policies(t.periodStart(), t.domain(), t.counts());
        }

        @Override
        public String send(ClusterTallies.Tally t, Instant before) {
            Map<PolicyKey, PolicyTotals> policies;
            try {
                policies = policies(t);
            } catch (IllegalArgumentException e) {
                return logged(false, "tlsrpt: no report for " + t.domain() + " since " + t.periodStart()
                        + ": the cluster's tally cannot be read: " + e.getMessage());
            }
            return TlsReporter.this.send(new TlsResults.Period(t.domain(), t.periodStart(),
                    TlsResults.periodEnd(t.periodStart(), before), policies));
        }
    }

    private List<String> send(List<TlsResults.Period> periods) {
        List<String> lines = new ArrayList<>();
        for (TlsResults.Period period : periods) {
            lines.add(send(period));
        }
        return lines;
    }

    /** One report: the domain's reporting policy, then every destination it names. One log line says what happened. */
    private String send(TlsResults.Period period) {
        Settings s = settings;
        String about = period.domain() + " (" + period.start() + " to " + period.end() + ", " + period.successes()
                + " successful, " + period.failures() + " failed sessions)";
        Optional<ReportingPolicy> policy;
        try {
            policy = reportingPolicy(period.domain(), s.timeout());
        } catch (DnsLookupException e) {
            return logged(false, "tlsrpt: report for " + about + " not sent: the _smtp._tls." + period.domain()
                    + " lookup failed: " + e.getMessage());
        }
        if (policy.isEmpty() || !policy.get().hasDestinations()) {
            return logged(true, "tlsrpt: no report for " + about + ": " + (policy.isEmpty()
                    ? "the domain publishes no TLS-RPT record (exactly one v=TLSRPTv1 TXT record at _smtp._tls." + period.domain() + ")"
                    : "its TLS-RPT record names no mailto: or https: rua") + ignored(policy));
        }
        String reportId = ReportMessage.newReportId(period.start(), period.domain(), s.submitter(), random);
        TlsReport report = new TlsReport(reportId, s.organizationName(), s.contactInfo(), s.submitter(), period);
        List<ReportOutcome> outcomes = s.delivery().send(report, policy.get(), queue, s.sender());
        boolean all = true;
        for (ReportOutcome outcome : outcomes) {
            reports.increment(outcome.destination().startsWith("mailto:") ? "mailto" : "https", outcome.sent() ? "sent" : "failed");
            all &= outcome.sent();
        }
        return logged(all, "tlsrpt: report " + report.reportId() + " for " + about + ": "
                + String.join("; ", outcomes.stream().map(ReportOutcome::toString).toList()) + ignored(policy));
    }

    private static String ignored(Optional<ReportingPolicy> policy) {
        return policy.isEmpty() || policy.get().ignored().isEmpty() ? ""
                : " (rua not used: " + String.join(", ", policy.get().ignored()) + ")";
    }

    private static String logged(boolean ok, String line) {
        if (ok) {
            LOG.info(line);
        } else {
            LOG.warn(line);
        }
        return line;
    }

    /** The domain's reporting policy; empty when it has none. */
    private Optional<ReportingPolicy> reportingPolicy(String domain, Duration timeout) throws DnsLookupException {
        DnsResolver resolver = dns;
        if (resolver == null) {
            throw new DnsLookupException(DnsLookupException.Kind.TEMPORARY, "the DNS resolver is not running");
        }
        String name = "_smtp._tls." + domain;
        try {
            return ReportingPolicy.of(DnsWait.await(resolver.txt(name), timeout, name));
        } catch (DnsLookupException e) {
            if (e.kind() != DnsLookupException.Kind.TEMPORARY) {
                return Optional.empty(); // no such name, or no TXT there: no TLS-RPT policy
            }
            throw e;
        }
    }

    /** Writes the counts if they changed; a failure is logged and the next round tries again. */
    synchronized void save() {
        if (!results.changedSinceLastLook()) {
            return;
        }
        try {
            store.save(results.snapshot(), results.flushedAt());
        } catch (IOException | RuntimeException e) {
            results.markChanged();
            LOG.error("tlsrpt: cannot save {}: {}", store.file(), e.getMessage());
        }
    }
}
