package org.carrier.metrics.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.metrics.MetricSource;
import org.carrier.api.net.IpNetwork;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
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
 * {@code /metrics} on the HTTP service (Jakarta servlet whiteboard): every {@link MetricSource} is asked at each
 * scrape and the samples are written in the Prometheus text format. No login (Prometheus could not give the web
 * console's), so only clients in {@code allowedNetworks} get an answer; others get 403.
 */
@Component(service = Servlet.class, configurationPid = MetricsServlet.PID, property = {
        "osgi.http.whiteboard.servlet.pattern=/metrics",
        "osgi.http.whiteboard.servlet.name=carrier-metrics"})
@Designate(ocd = MetricsServlet.Config.class)
public class MetricsServlet extends HttpServlet {
    static final String PID = "org.carrier.metrics";
    /** The exposition format's media type (Prometheus text format 0.0.4). */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServlet.class);

    @ObjectClassDefinition(name = "Carrier metrics endpoint",
            description = "/metrics on the web console's HTTP port, in the Prometheus text format, without login.")
    public @interface Config {
        @AttributeDefinition(name = "Allowed networks", description = "Clients (CIDR, separated by commas) that may read "
                + "/metrics; others get 403. Matters once the HTTP service listens beyond loopback.")
        String[] allowedNetworks() default {"127.0.0.0/8", "::1/128"};
    }

    private final transient List<MetricSource> sources = new CopyOnWriteArrayList<>();
    private transient volatile List<IpNetwork> allowed = List.of();

    private final transient ConfigGuard<Config, List<IpNetwork>> configuration =
            new ConfigGuard<>(Config.class, "the metrics endpoint", LOG::error);

    /** A broken setting is logged with its file, key and value, and the networks in force stay (at first: loopback). */
    @Activate
    @Modified
    void configure(Config config, Map<String, Object> properties) {
        allowed = configuration.apply(config, properties,
                c -> ConfigProblem.check("allowedNetworks", c.allowedNetworks(), () -> IpNetwork.parseList(c.allowedNetworks())));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removeSource")
    void addSource(MetricSource source) {
        sources.add(source);
    }

    void removeSource(MetricSource source) {
        sources.remove(source);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!permitted(request.getRemoteAddr())) {
            response.sendError(HttpServletResponse.SC_FORBIDDEN, "metrics are not served to this address");
            return;
        }
        byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
        response.setContentType(CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** Every source's samples now; a source that throws is left out with a log line, the others still count. */
    String scrape() {
        PrometheusText text = new PrometheusText();
        for (MetricSource source : sources) {
            try {
                source.collect(text);
            } catch (RuntimeException e) {
                LOG.warn("metrics: {} failed: {}", source.getClass().getName(), e.toString());
            }
        }
        return text.render();
    }

    boolean permitted(String remoteAddress) {
        try {
            // the container's IP literal, parsed as one (never resolved); an IPv6 zone (%eth0) does not matter here
            String literal = remoteAddress.startsWith("[") && remoteAddress.endsWith("]")
                    ? remoteAddress.substring(1, remoteAddress.length() - 1) : remoteAddress;
            int zone = literal.indexOf('%');
            InetAddress client = IpNetwork.parse(zone < 0 ? literal : literal.substring(0, zone)).address();
            return allowed.stream().anyMatch(n -> n.contains(client));
        } catch (RuntimeException e) {
            return false;
        }
    }
}
