package org.carrier.smtp.server.internal;

import org.carrier.api.metrics.MetricSource;
import org.carrier.api.metrics.MetricWriter;
import org.osgi.service.component.annotations.Component;

/** Publishes the SMTP server's figures ({@link ServerMetrics#BUNDLE}) to whoever shows metrics. */
@Component(service = MetricSource.class)
public class SmtpMetricSource implements MetricSource {
    @Override
    public void collect(MetricWriter out) {
        ServerMetrics.BUNDLE.writeTo(out);
    }
}
