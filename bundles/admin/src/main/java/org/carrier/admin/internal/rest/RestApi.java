package org.carrier.admin.internal.rest;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.carrier.admin.internal.console.QueuePage;
import org.carrier.admin.internal.console.QueueQuery;
import org.carrier.admin.internal.console.RouteForm;
import org.carrier.admin.internal.console.RouteStore;
import org.carrier.admin.internal.overview.QueueSummary;
import org.carrier.admin.internal.overview.RouteConfigurations;
import org.carrier.admin.internal.overview.RouteInspector;
import org.carrier.admin.internal.overview.RouteReport;
import org.carrier.api.dns.DnsResolver;
import org.carrier.api.message.Mailbox;
import org.carrier.api.queue.MailQueue;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.route.Router;
import org.carrier.api.text.Json;
import org.carrier.api.tls.OutboundTlsPolicies;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The REST API, {@code /api/v1/...} on the web console's HTTP service: JSON in and out, every request with a bearer
 * token ({@link ApiTokens}, RFC 6750 §2.1). It does what the console's Queue and Routes pages do, through the same
 * services and the same checks, and injects messages ({@link Injection}). Its endpoints are {@link #ENDPOINTS};
 * {@code openapi.json} (in this bundle) describes them, and a test holds the two together.
 * <p>
 * The API never reads cookies or HTTP Basic credentials, which a browser sends by itself; a token is only sent by a
 * program that was given it, so no other site's page can make a browser act here (no CSRF surface), and
 * {@link org.carrier.admin.internal.console.SameOriginGuard} lets these requests through.
 */
@Component(service = Servlet.class, property = {
        "osgi.http.whiteboard.servlet.pattern=" + RestApi.ROOT + "/*",
        "osgi.http.whiteboard.servlet.name=carrier-rest-api"})
public class RestApi extends HttpServlet {
    public static final String ROOT = "/api/v1";
    /** The largest request body read; a message injected is at most this big too. */
    static final int MAX_BODY_BYTES = 50 * 1024 * 1024;
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);
    private static final Duration DNS_WAIT = Duration.ofSeconds(10);
    private static final Duration FILE_WAIT = Duration.ofSeconds(5);

    /** What one endpoint does with a request whose path matched. */
    @FunctionalInterface
    interface Handler {
        Answer handle(Call call) throws IOException;
    }

    /** An answer: its status and the value written as JSON. */
    record Answer(int status, Object body) {
        static Answer ok(Object body) {
            return new Answer(200, body);
        }
    }

    /** One endpoint: a method and a path template as the OpenAPI document writes it ({@code /queue/{id}}). */
    record Endpoint(String method, String template, Handler handler) {
        Pattern pattern() {
            return Pattern.compile(template.replaceAll("\\{[^}]+}", "([^/]+)"));
        }
    }

    /** A request being answered: the path's {@code {...}} values in order, the query, the body as JSON. */
    record Call(HttpServletRequest request, List<String> path) {
        String param(String name) {
            String value = request.getParameter(name);
            return value == null ? "" : value.trim();
        }

        Map<String, Object> body() throws IOException {
            Object value;
            try (InputStream in = request.getInputStream()) {
                byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
                if (bytes.length > MAX_BODY_BYTES) {
                    throw new ApiError(413, "the request body is larger than " + MAX_BODY_BYTES + " bytes");
                }
                value = Json.parse(new String(bytes, StandardCharsets.UTF_8));
            } catch (Json.Malformed e) {
                throw ApiError.badRequest("the request body is " + e.getMessage());
            }
            if (!(value instanceof Map<?, ?> map)) {
                throw ApiError.badRequest("the request body must be a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> object = (Map<String, Object>) map;
            return object;
        }
    }

    final transient List<Endpoint> endpoints = List.of(
            new Endpoint("GET", "/openapi.json", call -> Answer.ok(OpenApi.document())),
            new Endpoint("GET", "/status", call -> Answer.ok(status())),
            new Endpoint("POST", "/messages", this::inject),
            new Endpoint("GET", "/queue", call -> Answer.ok(QueuePage.messages(queue(), filter(call), Instant.now()))),
            new Endpoint("POST", "/queue/{action}", this::bulk),
            new Endpoint("GET", "/queue/{id}", call -> Answer.ok(QueuePage.detail(message(call.path().get(0)),
                    queue().headerSection(call.path().get(0), QueuePage.HEADER_BYTES).orElse(""), Instant.now()))),
            new Endpoint("DELETE", "/queue/{id}", call -> one(call.path().get(0), "delete")),
            new Endpoint("POST", "/queue/{id}/{action}", call -> one(call.path().get(0), call.path().get(1))),
            new Endpoint("GET", "/routes", call -> Answer.ok(routes().list().stream().map(RestApi::route).toList())),
            new Endpoint("POST", "/routes", this::createRoute),
            new Endpoint("GET", "/routes/{name}", call -> Answer.ok(route(row(call.path().get(0))))),
            new Endpoint("PUT", "/routes/{name}", this::changeRoute),
            new Endpoint("DELETE", "/routes/{name}", call -> Answer.ok(Map.of("deleted", routes().delete(row(call.path().get(0)).pid())))),
            new Endpoint("GET", "/route-report", this::routeReport));

    private final transient ApiTokens tokens;
    private final transient ClusterPeers peers;
    private final transient RouteStore routeStore;
    private final transient RouteConfigurations configurations;
    private final String version;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile QueueOperations queueOperations;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile MailQueue mailQueue;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Router router;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile DnsResolver dns;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile OutboundTlsPolicies tlsPolicies;

    @Activate
    public RestApi(@Reference ApiTokens tokens, @Reference ClusterPeers peers, @Reference ConfigurationAdmin configAdmin,
                   BundleContext context) {
        this.tokens = tokens;
        this.peers = peers;
        this.routeStore = new RouteStore(configAdmin);
        this.configurations = new RouteConfigurations(configAdmin);
        this.version = context.getBundle().getVersion().toString();
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        Optional<String> user = tokens.verify(bearer(request.getHeader("Authorization")));
        if (user.isEmpty()) {
            // RFC 6750 §3: the challenge; a token that was sent but is not (any more) valid is invalid_token (§3.1)
            boolean sent = request.getHeader("Authorization") != null;
            response.setHeader("WWW-Authenticate", "Bearer realm=\"carrier\"" + (sent ? ", error=\"invalid_token\"" : ""));
            write(response, new Answer(401, error(sent ? "the bearer token is not valid (wrong or revoked)"
                    : "a bearer token is required: Authorization: Bearer TOKEN (make one with carrier:token create NAME)")));
            return;
        }
        write(response, answer(request, user.get()));
    }

    private Answer answer(HttpServletRequest request, String user) throws IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        List<String> allowed = new ArrayList<>();
        for (Endpoint e : endpoints) {
            Matcher m = e.pattern().matcher(path);
            if (m.matches()) {
                if (e.method().equals(request.getMethod())) {
                    return handle(e, new Call(request, groups(m)), user);
                }
                allowed.add(e.method());
            }
        }
        if (allowed.isEmpty()) {
            return new Answer(404, error("no such endpoint: " + ROOT + path + " (see " + ROOT + "/openapi.json)"));
        }
        return new Answer(405, Map.of("error", request.getMethod() + " is not allowed here", "allow", allowed));
    }

    private Answer handle(Endpoint e, Call call, String user) throws IOException {
        try {
            Answer answer = e.handler().handle(call);
            if (!"GET".equals(e.method())) {
                LOG.info("REST API: {} {} by token {}: {}", e.method(), call.request().getPathInfo(), user, answer.status());
            }
            return answer;
        } catch (ApiError refused) {
            return new Answer(refused.status(), error(refused.getMessage()));
        } catch (RouteForm.Invalid invalid) {
            return new Answer(400, Map.of("error", invalid.getMessage(), "problems", invalid.problems()));
        } catch (IllegalArgumentException bad) {
            return new Answer(400, error(bad.getMessage()));
        }
    }

    private static List<String> groups(Matcher m) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= m.groupCount(); i++) {
            values.add(m.group(i)); // getPathInfo() is decoded already
        }
        return values;
    }

    /** The token of {@code Authorization: Bearer TOKEN} (RFC 6750 §2.1; the scheme is case-insensitive, RFC 9110 §11.1). */
    public static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
    }

    private Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("version", version);
        status.put("node", hostname());
        long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
        status.put("started", Instant.now().minusMillis(uptime).toString());
        status.put("uptimeSeconds", uptime / 1000);
        QueueOperations q = queueOperations;
        status.put("queue", q == null ? null : QueuePage.summary(QueueSummary.of(q.list(QueueFilter.any().withLimit(Integer.MAX_VALUE)))));
        status.put("cluster", peers.status());
        return status;
    }

    private Answer inject(Call call) throws IOException {
        MailQueue queue = mailQueue;
        Injection injection = Injection.parse(call.body(), hostname(), ZonedDateTime.now());
        if (queue == null) {
            throw new ApiError(503, "the queue is not running");
        }
        String id = injection.queue(queue);
        return new Answer(201, Map.of("id", id, "recipients", injection.recipients().size()));
    }

    private static QueueFilter filter(Call call) {
        return QueueQuery.filter(call::param);
    }

    private Answer one(String id, String action) {
        QueueOperations q = queue();
        boolean found = switch (action) {
            case "hold" -> q.hold(id);
            case "release" -> q.release(id);
            case "retry" -> q.retryNow(id);
            case "delete" -> q.delete(id);
            default -> throw ApiError.notFound("no such action: " + action + "; one of hold, release, retry (or DELETE the message)");
        };
        if (!found) {
            throw ApiError.notFound("no message " + id + " in the queue");
        }
        return Answer.ok(Map.of("id", id, "action", action));
    }

    /** {@code POST /queue/{action}} with {@code {"ids": [...]}}, {@code {"domain": "..."}} or {@code {"sender": "..."}}. */
    private Answer bulk(Call call) throws IOException {
        String action = call.path().get(0);
        if (!List.of("hold", "release", "retry", "delete").contains(action)) {
            throw ApiError.notFound("no such action: " + action + "; one of hold, release, retry, delete");
        }
        Map<String, Object> body = call.body();
        if (body.size() != 1 || !List.of("ids", "domain", "sender").contains(body.keySet().iterator().next())) {
            throw ApiError.badRequest("the body picks the messages by exactly one of ids (a list), domain or sender");
        }
        QueueOperations q = queue();
        List<String> ids = switch (body.keySet().iterator().next()) {
            case "ids" -> ids(body.get("ids"));
            case "domain" -> q.list(QueueFilter.any().withDomain(text(body, "domain")).withLimit(Integer.MAX_VALUE))
                    .stream().map(QueuedMessage::queueId).toList();
            default -> bySender(q, text(body, "sender"));
        };
        List<String> changed = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String id : ids) {
            boolean found = switch (action) {
                case "hold" -> q.hold(id);
                case "release" -> q.release(id);
                case "retry" -> q.retryNow(id);
                default -> q.delete(id);
            };
            (found ? changed : missing).add(id);
        }
        return Answer.ok(Map.of("action", action, "changed", changed, "missing", missing));
    }

    /** Exactly this reverse-path (case-insensitive; {@code ""}: the null sender), not every one containing the text. */
    private static List<String> bySender(QueueOperations q, String sender) {
        return q.list(QueueFilter.any().withSender(sender).withLimit(Integer.MAX_VALUE)).stream()
                .filter(m -> m.envelope().reversePath().toString().equalsIgnoreCase(sender))
                .map(QueuedMessage::queueId).toList();
    }

    private static List<String> ids(Object value) {
        if (!(value instanceof List<?> list) || list.isEmpty() || !list.stream().allMatch(String.class::isInstance)) {
            throw ApiError.badRequest("ids: a list of one or more queue IDs as strings");
        }
        return list.stream().map(String.class::cast).toList();
    }

    private static String text(Map<String, Object> body, String field) {
        if (!(body.get(field) instanceof String value)) {
            throw ApiError.badRequest(field + ": a string");
        }
        return value.trim();
    }

    private Answer createRoute(Call call) throws IOException {
        Map<String, String> fields = routeFields(call.body());
        if (fields.getOrDefault("name", "").isEmpty()) {
            throw ApiError.badRequest("name: a new route needs a name (its file is config/org.carrier.route-NAME.cfg)");
        }
        RouteForm form = RouteForm.parse(fields::get);
        routes().add(form);
        return new Answer(201, route(withFile(form.name())));
    }

    /**
     * The new route once the configuration file writer has named its file, which it does on ConfigAdmin's event, a
     * moment after the route is stored; so that the answer says where it is kept. At most {@link #FILE_WAIT}, then as
     * it is (its {@code file} null: ConfigAdmin keeps it, and the writer's own log line says why no file).
     */
    private RouteStore.Row withFile(String name) throws IOException {
        long deadline = System.nanoTime() + FILE_WAIT.toNanos();
        RouteStore.Row row = row(name);
        while (row.file() == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            row = row(name);
        }
        return row;
    }

    /** {@code PUT /routes/{name}}: the settings given change, the others stay as they are. */
    private Answer changeRoute(Call call) throws IOException {
        RouteStore.Row row = row(call.path().get(0));
        Map<String, String> fields = routeFields(call.body());
        if (fields.containsKey("name") && !fields.get("name").equals(row.name())) {
            throw ApiError.badRequest("name: a route is not renamed; create the new one and delete this one");
        }
        Map<String, String> current = new LinkedHashMap<>();
        current.put("domains", row.domains());
        current.put("transport", row.transport());
        current.put("nextHops", row.nextHops());
        current.put("port", row.port() == 0 ? "" : String.valueOf(row.port()));
        current.put("tls", row.tls());
        current.put("order", String.valueOf(row.order()));
        current.putAll(fields);
        routes().update(row.pid(), current::get);
        return Answer.ok(route(row(row.name())));
    }

    /** A route's settings from a body: strings, numbers, or lists of strings (written comma separated). */
    private static Map<String, String> routeFields(Map<String, Object> body) {
        Map<String, String> fields = new LinkedHashMap<>();
        body.forEach((key, value) -> {
            if (!RouteForm.FIELDS.contains(key)) {
                throw ApiError.badRequest("unknown route setting \"" + key + "\"; the settings are " + String.join(", ", RouteForm.FIELDS));
            }
            if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
                fields.put(key, list.stream().map(String.class::cast).collect(Collectors.joining(", ")));
            } else if (value instanceof String || value instanceof Long) {
                fields.put(key, value.toString());
            } else {
                throw ApiError.badRequest(key + ": a string, an integer or a list of strings: " + Json.write(value));
            }
        });
        return fields;
    }

    private Answer routeReport(Call call) {
        String address = call.param("address");
        if (address.isEmpty()) {
            throw ApiError.badRequest("address: which address? e.g. ?address=bob@example.com");
        }
        Router current = router;
        if (current == null) {
            throw new ApiError(503, "the router is not running");
        }
        RouteReport report = new RouteInspector(current, dns, configurations::transportOf, DNS_WAIT, tlsPolicies)
                .inspect(Mailbox.parse(address));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("address", report.address().toString());
        answer.put("route", report.decision().routeName());
        answer.put("routeTransport", report.routeTransport());
        answer.put("destination", report.decision().destination().toString().toLowerCase(java.util.Locale.ROOT));
        answer.put("transport", report.decision().transport());
        answer.put("refusal", report.decision().refusal() == null ? null : report.decision().refusal().toString());
        answer.put("nextHops", report.decision().nextHops().stream().map(Object::toString).toList());
        answer.put("mxRecords", report.mxRecords().stream().map(mx -> mx.preference() + " " + mx.host()).toList());
        answer.put("mxProblem", report.mxProblem());
        answer.put("tls", report.tlsLines(Instant.now()));
        return Answer.ok(answer);
    }

    private RouteStore.Row row(String name) throws IOException {
        return routes().list().stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> ApiError.notFound("no route named " + name));
    }

    private RouteStore routes() {
        return routeStore;
    }

    private static Map<String, Object> route(RouteStore.Row r) {
        Map<String, Object> route = new LinkedHashMap<>();
        route.put("name", r.name());
        route.put("domains", r.domains());
        route.put("transport", r.transport());
        route.put("nextHops", r.nextHops());
        route.put("port", r.port());
        route.put("tls", r.tls());
        route.put("order", r.order());
        route.put("file", r.file() == null ? null : r.file().substring(r.file().lastIndexOf('/') + 1));
        return route;
    }

    private QueueOperations queue() {
        QueueOperations q = queueOperations;
        if (q == null) {
            throw new ApiError(503, "the queue is not running");
        }
        return q;
    }

    private QueuedMessage message(String id) {
        return queue().show(id).orElseThrow(() -> ApiError.notFound("no message " + id + " in the queue"));
    }

    private static Map<String, Object> error(String message) {
        return Map.of("error", message);
    }

    private static void write(HttpServletResponse response, Answer answer) throws IOException {
        response.setStatus(answer.status());
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(Json.write(answer.body()));
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
