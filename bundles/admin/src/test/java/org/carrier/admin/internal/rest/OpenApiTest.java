package org.carrier.admin.internal.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.carrier.admin.internal.Proxies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.service.cm.ConfigurationAdmin;

/** The OpenAPI document and the servlet's endpoints are the same set (the distribution's RestApiIT calls each one). */
class OpenApiTest {
    @TempDir
    Path dir;

    @Test
    void everyEndpointTheServletServesIsInTheDocumentAndNoOther() {
        Bundle bundle = Proxies.proxy(Bundle.class, (method, args) -> new Version(1, 2, 3));
        BundleContext context = Proxies.proxy(BundleContext.class, (method, args) -> bundle);
        RestApi api = new RestApi(new ApiTokens(dir.resolve("api-tokens"), Clock.systemUTC()), new ClusterPeers(),
                Proxies.proxy(ConfigurationAdmin.class, (method, args) -> null), context);
        Set<String> served = new TreeSet<>();
        api.endpoints.forEach(e -> served.add(e.method() + " " + e.template()));

        Set<String> documented = new TreeSet<>();
        Map<?, ?> paths = (Map<?, ?>) OpenApi.document().get("paths");
        paths.forEach((path, operations) -> ((Map<?, ?>) operations).keySet()
                .forEach(method -> documented.add(method.toString().toUpperCase(Locale.ROOT) + " " + path)));

        assertEquals(served, documented);
        assertEquals("3.0.3", OpenApi.document().get("openapi"));
    }
}
