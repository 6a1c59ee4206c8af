package org.carrier.admin.internal.overview;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.carrier.api.dns.MxRecord;
import org.carrier.api.message.MailAddress;
import org.carrier.api.route.NextHop;
import org.carrier.api.route.RouteDecision;
import org.carrier.api.tls.TlsPolicyReport;

/**
 * Where mail for one address would go now: the router's decision (route name, destination kind, transport, next hops
 * with the addresses the router resolved for them, or the refusal) and, for a route of transport {@code mx}, the MX
 * records DNS gave for the domain (RFC 5321 §5.1), lowest preference first. Made by {@link RouteInspector}.
 *
 * @param address        the address asked about
 * @param decision       the router's answer
 * @param routeTransport the transport configured on the matching route ({@code mx}, {@code smtp}, {@code lmtp},
 *                       {@code hold}, ...), or {@code null} when no route configuration has that name (our own domains,
 *                       no route at all)
 * @param mxRecords      the domain's MX records, lowest preference first; empty when not an mx route, when the domain
 *                       has none (its own address is used) or when the lookup failed
 * @param mxProblem      why the MX lookup gave nothing usable (e.g. {@code "DNS timeout"}), or {@code null}
 * @param hopProblems    for each next hop whose name gave no address, why (as delivery would find it)
 * @param tls            the TLS policy the SMTP delivery would apply to each next hop, and why (DANE with its TLSA
 *                       records, the domain's MTA-STS policy, the route's setting); {@code null} when the mail does not
 *                       go out over SMTP, or the policy is not known (see {@code tlsProblem})
 * @param tlsProblem     why the TLS policy is not known (no SMTP delivery running, no answer in time), or {@code null}
 */
public record RouteReport(MailAddress address, RouteDecision decision, String routeTransport,
                          List<MxRecord> mxRecords, String mxProblem, Map<NextHop, String> hopProblems,
                          TlsPolicyReport tls, String tlsProblem) {
    /** The transport name of routes that find their next hops as MX hosts in DNS. */
    public static final String MX = "mx";

    public RouteReport {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(decision, "decision");
        mxRecords = mxRecords.stream()
                .sorted(Comparator.comparingInt(MxRecord::preference).thenComparing(MxRecord::host))
                .toList();
        hopProblems = Map.copyOf(hopProblems);
    }

    /** A report without the TLS policy. */
    public RouteReport(MailAddress address, RouteDecision decision, String routeTransport, List<MxRecord> mxRecords,
                       String mxProblem, Map<NextHop, String> hopProblems) {
        this(address, decision, routeTransport, mxRecords, mxProblem, hopProblems, null, null);
    }

    /** This report with the TLS policy (or why it is not known). */
    public RouteReport withTls(TlsPolicyReport policy, String problem) {
        return new RouteReport(address, decision, routeTransport, mxRecords, mxProblem, hopProblems, policy, problem);
    }

    /** A report whose next hops all have their addresses (or need none). */
    public RouteReport(MailAddress address, RouteDecision decision, String routeTransport, List<MxRecord> mxRecords,
                       String mxProblem) {
        this(address, decision, routeTransport, mxRecords, mxProblem, Map.of(), null, null);
    }

    /**
     * The TLS policy as the console and the shell show it: the policy report's lines ({@link TlsPolicyReport#lines}:
     * the route's setting, the MTA-STS policy with its age, each host's policy and why), or the one line saying why it
     * is not known; empty when the mail does not go out over SMTP.
     */
    public List<String> tlsLines(Instant now) {
        if (tls != null) {
            return tls.lines(now);
        }
        return tlsProblem == null ? List.of() : List.of(tlsProblem);
    }

    /** Whether the matching route finds its hosts in DNS (transport {@code mx}). */
    public boolean isMxRoute() {
        return MX.equals(routeTransport);
    }

    @Override
    public String toString() {
        return "<" + address + ">: " + decision
                + (isMxRoute() ? " mx=" + mxRecords + (mxProblem == null ? "" : " (" + mxProblem + ")") : "");
    }
}
