package org.carrier.filter.dmarc.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.carrier.api.cluster.SharedState;
import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.dmarc.DmarcEvaluation;
import org.carrier.api.dmarc.DmarcEvaluationRecorder;
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
import org.carrier.api.report.ReportMark;
import org.carrier.api.report.ReportMessage;
import org.carrier.api.report.ReportOutcome;
import org.carrier.api.report.ReportWorker;
import org.carrier.api.report.ReportSubmission;
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
 * DMARC aggregate reports (RFC 7489 §7.2): counts the evaluations the DMARC filter records, keeps them under
 * {@code <carrier.data.dir>/dmarc-report/} (saved every {@code saveSeconds}), and once a UTC day, a random minute
 * after midnight, mails each policy domain the XML report of the day before, gzipped, to the {@code mailto:} URIs of
 * its {@code rua} that pass the external destination check (§7.1) and whose {@code !size} the report fits, through
 * Carrier's own queue. Also {@code carrier:dmarcrpt show|send} and {@code carrier_dmarc_reports_total}.
 * <p>
 * A component of the DMARC filter's bundle, since it reports on that filter's evaluations and shares its rule of the
 * organizational domain; what it counted survives the bundle's removal on disk and is reported once it is back.
 * <p>
 * With a cluster ({@link SharedState}) every node adds its counts to the cluster's tallies every few seconds and one
 * node sends each report, with every node's counts ({@link ClusterTallies}); what a node cannot add (Redis down, or
 * the report claimed already) it reports alone, as a single node would. Evaluations are counted in memory either way:
 * no message waits for Redis.
 */
@Component(service = {DmarcEvaluationRecorder.class, MetricSource.class, DmarcReporter.class},
        configurationPid = DmarcReporter.PID,
        property = {"osgi.command.scope=carrier", "osgi.command.function=dmarcrpt"})
@Designate(ocd = DmarcReporter.Config.class)
public class DmarcReporter implements DmarcEvaluationRecorder, MetricSource {
    static final String PID = "org.carrier.dmarc.report";
    private static final Logger LOG = LoggerFactory.getLogger(DmarcReporter.class);

    @ObjectClassDefinition(name = "Carrier DMARC aggregate reports",
            description = "Counts the DMARC filter's evaluations per policy domain and sends the daily aggregate report (RFC 7489 §7.2).")
    public @interface Config {
        @AttributeDefinition(name = "Send reports",
                description = "Send the daily reports to the domains that ask for them (rua). Off: evaluations are counted "
                        + "and shown, but no report leaves unless sent by hand (carrier:dmarcrpt send).")
        boolean enabled() default false;

        @AttributeDefinition(name = "Report sender", required = false,
                description = "The reports' From and envelope sender; empty: postmaster@ this host's organizational domain.")
        String sender() default "";

        @AttributeDefinition(name = "Submitter", required = false,
                description = "The reporting domain, in the subject and the file name; empty: the sender's domain.")
        String submitter() default "";

        @AttributeDefinition(name = "Organization name", required = false,
                description = "org_name in the reports; empty: the submitter.")
        String organizationName() default "";

        @AttributeDefinition(name = "Contact address", required = false,
                description = "email in the reports: where to write about them; empty: the sender.")
        String contactEmail() default "";

        @AttributeDefinition(name = "Send window (minutes after 00:00 UTC)", min = "1", max = "1380",
                description = "The day's reports are sent at a random minute within this long after midnight UTC.")
        int sendWindowMinutes() default 120;

        @AttributeDefinition(name = "Save every (s)", min = "1",
                description = "How often the counts are written to disk; a crash loses at most this much.")
        int saveSeconds() default 60;

        @AttributeDefinition(name = "DNS timeout (s)", min = "1",
                description = "For each external destination check (<domain>._report._dmarc.<rua domain>).")
        int timeoutSeconds() default 30;
    }

    record Settings(boolean enabled, MailAddress sender, String submitter, String organizationName, String contactEmail,
                    int sendWindowMinutes, int saveSeconds, Duration timeout) {
    }

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final DmarcCounts counts;
    private final DmarcStore store;
    private final CounterFamily reports = new CounterFamily("carrier_dmarc_reports_total",
            "DMARC aggregate reports (RFC 7489) by result: sent (queued), failed, skipped (no usable rua)", "result");
    private final ConfigGuard<Config, Settings> configuration = new ConfigGuard<>(Config.class, "DMARC reports", LOG::error);
    private volatile Settings settings;
    private final DailySchedule schedule;
    /** Null when built by a test, which calls {@link #sendWhenDue} itself. */
    private volatile ReportWorker worker;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile DnsResolver dns;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile MailQueue queue;
    /** The cluster's state when one is configured; absent, this node reports what it counted, as without a cluster. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile SharedState sharedState;
    private final ClusterTallies<DmarcCounts.Taken> tallies;

    @Activate
    public DmarcReporter(BundleContext context, Config config, Map<String, Object> properties) {
        this(Clock.systemUTC(), dataDirectory(context.getProperty("carrier.data.dir")), config, properties);
        worker = ReportWorker.start("carrier-dmarcrpt", this::sendWhenDue, this::save, () -> settings.saveSeconds(),
                (message, e) -> LOG.error("dmarc-report: {}", message, e));
    }

    DmarcReporter(Clock clock, Path directory, Config config, Map<String, Object> properties) {
        this.clock = clock;
        this.tallies = new ClusterTallies<>("dmarc", clock, new Tallies(), "dmarc-report", LOG::warn);
        this.counts = new DmarcCounts(clock);
        this.store = new DmarcStore(directory);
        DmarcStore.Saved saved = store.load();
        counts.restore(saved.entries(), saved.flushedAt());
        configure(config, properties);
        schedule = new DailySchedule(clock, () -> settings.sendWindowMinutes());
        LOG.info("dmarc-report: {} policy domains' evaluations not reported yet loaded from {}; reports are {}",
                saved.entries().size(), store.file(), settings.enabled() ? "sent daily" : "not sent (enabled = false)");
    }

    static Path dataDirectory(String carrierDataDir) {
        return Path.of(carrierDataDir == null ? "data" : carrierDataDir, "dmarc-report");
    }

    /** For tests: the shared state a cluster would give. */
    void sharedState(SharedState shared) {
        sharedState = shared;
    }

    /** A configuration with a bad value is refused whole, in one line naming the key; the settings in force stay. */
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        settings = configuration.apply(config, properties, DmarcReporter::settings);
    }

    private static Settings settings(Config c) {
        MailAddress sender = c.sender().isBlank() ? MailAddress.of("postmaster", OrganizationalDomain.of(HostName.local()))
                : ConfigProblem.check("sender", c.sender(), () -> address(c.sender()));
        MailAddress contact = c.contactEmail().isBlank() ? sender
                : ConfigProblem.check("contactEmail", c.contactEmail(), () -> address(c.contactEmail()));
        String submitter = c.submitter().isBlank() ? sender.domain() : c.submitter().strip();
        return new Settings(c.enabled(), sender, submitter,
                c.organizationName().isBlank() ? submitter : c.organizationName().strip(), contact.toString(),
                ConfigProblem.between("sendWindowMinutes", c.sendWindowMinutes(), 1, 1380),
                ConfigProblem.atLeast("saveSeconds", c.saveSeconds(), 1),
                Duration.ofSeconds(ConfigProblem.atLeast("timeoutSeconds", c.timeoutSeconds(), 1)));
    }

    private static MailAddress address(String text) {
        MailAddress address = MailAddress.parse(text.strip());
        if (address.isNullSender()) {
            throw new IllegalArgumentException("expected a mail address such as dmarc-reports@example.com");
        }
        return address;
    }

    @Deactivate
    void stop() {
        if (worker != null) {
            worker.stop();
        }
        save();
    }

    @Override
    public void record(DmarcEvaluation evaluation) {
        try {
            counts.record(evaluation);
        } catch (RuntimeException e) {
            LOG.error("dmarc-report: cannot count an evaluation for {}", evaluation.headerFrom(), e); // never into the session
        }
    }

    @Override
    public void collect(MetricWriter out) {
        reports.writeTo(out);
    }

    /** {@code carrier:dmarcrpt}: what the command takes. */
    public String dmarcrpt() {
        return "usage: carrier:dmarcrpt show   (the DMARC evaluations not reported yet)\n"
                + "       carrier:dmarcrpt send   (send the reports of everything counted so far, now)";
    }

    /** {@code carrier:dmarcrpt show} or {@code carrier:dmarcrpt send}. */
    public String dmarcrpt(String action) {
        return switch (action) {
            case "show" -> show();
            case "send" -> String.join("\n", sendNow());
            default -> dmarcrpt();
        };
    }

    /** What is counted and not reported yet: with a cluster, every node's (the cluster's tallies and this node's). */
    private String show() {
        Map<DmarcCounts.Period, DmarcCounts.Entry> now = counts.snapshot();
        String note = withClusterTallies(now);
        if (now.isEmpty()) {
            return "dmarc-report: no evaluations to report" + note;
        }
        StringBuilder text = new StringBuilder(note.isEmpty() ? "" : note.strip() + "\n");
        now.forEach((period, entry) -> {
            text.append(period.domain()).append(" since ").append(period.start()).append(" (p=").append(entry.published.p())
                    .append(", rua=").append(entry.published.rua()).append("):\n");
            entry.rows.forEach((row, n) -> text.append("  ").append(n).append(" from ").append(row.sourceIp())
                    .append(" header_from=").append(row.headerFrom()).append(" disposition=").append(row.disposition())
                    .append(" dkim=").append(row.dkimAligned() ? "pass" : "fail").append(" spf=")
                    .append(row.spfAligned() ? "pass" : "fail").append('\n'));
        });
        return text.toString().stripTrailing();
    }

    /** Adds the cluster's tallies not sent yet to {@code now}; a note when they cannot be read, else "". */
    private String withClusterTallies(Map<DmarcCounts.Period, DmarcCounts.Entry> now) {
        SharedState shared = sharedState;
        if (shared == null) {
            return "";
        }
        StringBuilder note = new StringBuilder();
        for (ClusterTallies.Tally t : tallies.unsentOrNone(shared, clock.instant().plusSeconds(1), note::append)) {
            DmarcCounts.Taken period = Tallies.period(t, clock.instant());
            DmarcCounts.Entry entry = now.computeIfAbsent(period.period(), p -> new DmarcCounts.Entry(period.published()));
            period.rows().forEach((row, n) -> entry.rows.merge(row, n, Long::sum));
        }
        return note.toString();
    }

    /**
     * Sends the reports of everything counted so far, the current day's up to now included (its next report then
     * covers the rest of the day). An operator's command: it sends even with {@code enabled = false}. With a cluster:
     * the whole cluster's, and every node's next period starts now.
     */
    List<String> sendNow() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        List<DmarcCounts.Taken> mine = counts.take(now, true);
        List<String> lines = new ArrayList<>();
        SharedState shared = sharedState;
        if (shared != null) {
            mine = tallies.sendNow(shared, now, mine, lines);
        }
        lines.addAll(send(mine));
        save();
        return lines.isEmpty() ? List.of("dmarc-report: no evaluations to report") : lines;
    }

    /**
     * Once a UTC day, at a random minute of the send window: the reports of the days before (RFC 7489 §7.2.1.1).
     * With a cluster, every round (a few seconds) first adds this node's counts to the cluster's tallies; when due,
     * the cluster's reports go first, then what this node could not add, alone.
     */
    void sendWhenDue() {
        SharedState shared = sharedState;
        if (shared != null && tallies.share(shared)) {
            save(); // at once: after a crash, counts the cluster has must not be added again from the file
        }
        Optional<Instant> midnight = schedule.due();
        if (midnight.isEmpty()) {
            return;
        }
        long dropped = counts.takeDropped();
        if (dropped > 0) {
            LOG.warn("dmarc-report: {} evaluations were not counted: {} distinct rows kept already", dropped, DmarcCounts.MAX_ROWS);
        }
        // A node that does not send (enabled = false) adds its counts but claims no report: an enabled node sends them.
        if (shared != null && settings.enabled()) {
            tallies.openRound(shared, midnight.get());
        }
        List<DmarcCounts.Taken> periods = counts.take(midnight.get(), false);
        if (settings.enabled()) {
            send(periods);
        } else if (!periods.isEmpty()) {
            LOG.info("dmarc-report: {} reports of days before {} not sent (enabled = false)", periods.size(), midnight.get());
        }
        save();
    }

    /** This reporter's periods as the cluster's tallies: rows and policy in the state file's text form. */
    private final class Tallies implements ClusterTallies.Reporter<DmarcCounts.Taken> {
        @Override
        public List<DmarcCounts.Taken> takeAll() {
            return counts.take(Instant.MAX, false);
        }

        @Override
        public void restore(List<DmarcCounts.Taken> kept) {
            Map<DmarcCounts.Period, DmarcCounts.Entry> entries = new LinkedHashMap<>();
            for (DmarcCounts.Taken t : kept) {
                DmarcCounts.Entry entry = new DmarcCounts.Entry(t.published());
                entry.rows.putAll(t.rows());
                entries.put(t.period(), entry);
            }
            counts.restore(entries, Instant.EPOCH);
        }

        @Override
        public void adoptFlush(Instant at) {
            counts.adoptFlush(at);
        }

        @Override
        public ClusterTallies.Tally tally(DmarcCounts.Taken period) {
            Map<String, Long> records = new LinkedHashMap<>();
            period.rows().forEach((row, n) -> records.merge(DmarcStore.rowText(row), n, Long::sum));
            return new ClusterTallies.Tally(period.period().start(), period.period().domain(),
                    DmarcStore.policyText(period.published()), records);
        }

        static DmarcCounts.Taken period(ClusterTallies.Tally t, Instant before) {
            Map<DmarcCounts.Row, Long> rows = new LinkedHashMap<>();
            t.counts().forEach((row, n) -> rows.merge(DmarcStore.row(row), n, Long::sum));
            return new DmarcCounts.Taken(new DmarcCounts.Period(t.periodStart(), t.domain()),
                    DmarcCounts.periodEnd(t.periodStart(), before), DmarcStore.policy(t.about()), rows);
        }

        @Override
        public String send(ClusterTallies.Tally t, Instant before) {
            DmarcCounts.Taken period;
            try {
                period = period(t, before);
            } catch (IllegalArgumentException e) {
                return logged(false, "dmarc-report: no report for " + t.domain() + " since " + t.periodStart()
                        + ": the cluster's tally cannot be read: " + e.getMessage());
            }
            return DmarcReporter.this.send(period);
        }
    }

    private List<String> send(List<DmarcCounts.Taken> periods) {
        List<String> lines = new ArrayList<>();
        for (DmarcCounts.Taken period : periods) {
            lines.add(send(period));
        }
        return lines;
    }

    /** One report: built, then mailed to the destinations that may have it. One log line says what happened. */
    private String send(DmarcCounts.Taken period) {
        Settings s = settings;
        String domain = period.period().domain();
        AggregateReport report = new AggregateReport(
                ReportMessage.newReportId(period.period().start(), domain, s.submitter(), random), s.organizationName(),
                s.contactEmail(), s.submitter(), domain, period.period().start(), period.end(), period.published(), period.rows());
        String about = domain + " (" + report.begin() + " to " + report.end() + ", " + report.messages() + " messages)";
        Destinations destinations = destinations(domain, ReportAddresses.parse(period.published().rua()), s.timeout());
        if (destinations.accepted().isEmpty()) {
            reports.increment("skipped");
            return logged(false, "dmarc-report: no report for " + about + ": no usable rua" + destinations.notUsed());
        }
        byte[] message = message(report, s, destinations.accepted().stream().map(ReportAddresses.Destination::address).toList());
        List<MailAddress> to = new ArrayList<>();
        List<String> tooLarge = new ArrayList<>();
        for (ReportAddresses.Destination d : destinations.accepted()) {
            if (message.length > d.maxBytes()) {
                tooLarge.add(d.uri() + " (the report is " + message.length + " bytes, more than its limit of " + d.maxBytes() + ")");
            } else {
                to.add(d.address());
            }
        }
        String notUsed = destinations.notUsed(tooLarge);
        if (to.isEmpty()) {
            reports.increment("skipped");
            return logged(false, "dmarc-report: report " + report.reportId() + " for " + about + " not sent" + notUsed);
        }
        if (to.size() < destinations.accepted().size()) {
            message = message(report, s, to); // the To field names only those it goes to
        }
        ReportOutcome outcome = ReportSubmission.queue(queue, ReportMark.DMARC, domain, s.sender(), to, message);
        reports.increment(outcome.sent() ? "sent" : "failed");
        return logged(outcome.sent(), "dmarc-report: report " + report.reportId() + " for " + about + ": " + outcome + notUsed);
    }

    private byte[] message(AggregateReport report, Settings s, List<MailAddress> to) {
        String text = "This is a DMARC aggregate report (RFC 7489) from " + s.submitter() + "\r\n"
                + "about the mail it received from " + report.domain() + " from " + report.begin() + " to " + report.end()
                + ":\r\n" + report.messages() + " messages in " + report.rows().size() + " records. The report is attached.\r\n";
        return new ReportMessage(s.sender(), to, clock.instant(), report.domain(), s.submitter(), report.reportId(), Map.of(),
                "multipart/mixed", text, new ReportMessage.Attachment(AggregateReport.MEDIA_TYPE, report.fileName(), report.gzip()))
                .content();
    }

    /** The mailto: destinations that may have the report, and why the others may not. */
    private record Destinations(List<ReportAddresses.Destination> accepted, List<String> refused) {
        String notUsed() {
            return notUsed(List.of());
        }

        String notUsed(List<String> more) {
            List<String> all = new ArrayList<>(refused);
            all.addAll(more);
            return all.isEmpty() ? "" : " (rua not used: " + String.join("; ", all) + ")";
        }
    }

    private Destinations destinations(String policyDomain, ReportAddresses addresses, Duration timeout) {
        List<ReportAddresses.Destination> accepted = new ArrayList<>();
        List<String> refused = new ArrayList<>(addresses.notUsed());
        for (ReportAddresses.Destination d : addresses.mailto()) {
            Optional<String> why = externalRefusal(policyDomain, d.address().domain(), timeout);
            if (why.isPresent()) {
                refused.add(d.uri() + " (" + why.get() + ")");
            } else {
                accepted.add(d);
            }
        }
        return new Destinations(accepted, refused);
    }

    /**
     * RFC 7489 §7.1: a destination outside the policy domain's organizational domain must agree to take its
     * reports, by a {@code v=DMARC1} TXT record at {@code <policy-domain>._report._dmarc.<destination-domain>}.
     * Empty when the destination may have the report; else why not.
     */
    private Optional<String> externalRefusal(String policyDomain, String destinationDomain, Duration timeout) {
        String destination = destinationDomain.toLowerCase(java.util.Locale.ROOT);
        if (OrganizationalDomain.of(destination).equals(OrganizationalDomain.of(policyDomain))) {
            return Optional.empty();
        }
        String name = policyDomain + "._report._dmarc." + destination;
        DnsResolver resolver = dns;
        if (resolver == null) {
            return Optional.of("external destination not verified: the DNS resolver is not running");
        }
        try {
            List<String> txt = DnsWait.await(resolver.txt(name), timeout, name);
            return txt.stream().anyMatch(DmarcRecord::isDmarc) ? Optional.empty()
                    : Optional.of("external destination not authorized: no v=DMARC1 TXT record at " + name);
        } catch (DnsLookupException e) {
            return Optional.of(e.kind() == DnsLookupException.Kind.TEMPORARY
                    ? "external destination not verified: " + name + ": " + e.getMessage()
                    : "external destination not authorized: no v=DMARC1 TXT record at " + name);
        }
    }

    private static String logged(boolean ok, String line) {
        if (ok) {
            LOG.info(line);
        } else {
            LOG.warn(line);
        }
        return line;
    }

    /** Writes the counts if they changed; a failure is logged and the next round tries again. */
    synchronized void save() {
        if (!counts.changedSinceLastLook()) {
            return;
        }
        try {
            store.save(counts.snapshot(), counts.flushedAt());
        } catch (IOException | RuntimeException e) {
            counts.markChanged();
            LOG.error("dmarc-report: cannot save {}: {}", store.file(), e.getMessage());
        }
    }
}
