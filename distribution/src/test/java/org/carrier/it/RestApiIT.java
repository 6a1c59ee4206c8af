package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.carrier.api.text.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The REST API of the real started distribution, called over HTTP as automation would: a token made with
 * {@code bin/carrier shell carrier:token create}, a route made through the API that the next injected message takes
 * to a real SMTP sink, queue operations on mail that waits for a next hop where nothing listens, and what survives a
 * restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestApiIT {
    private static final String MESSAGE = "From: App <app@client.test>\nTo: bob@sink.test\nSubject: injected by REST\n\nhello over REST\n";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private RunningCarrier carrier;
    private SmtpSink sink;
    private String token;

    @BeforeAll
    void start() throws Exception {
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "rest-"));
        sink = new SmtpSink();
        int closedPort = Distribution.freePort(); // nothing listens there: mail for closed.test waits in the queue
        carrier.configure("org.carrier.route-closed.cfg",
                "name = closed\ndomains = closed.test\ntransport = smtp\nnextHops = 127.0.0.1:" + closedPort + "\ntls = none\n");
        carrier.start();
        token = createToken("it-client");
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, sink);
    }

    @Test
    @Order(1)
    void theTokenIsStoredHashedInAPrivateFile() throws Exception {
        Path file = carrier.home.resolve("data/api-tokens");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String stored = Files.readString(file);
        assertTrue(stored.contains("it-client "), stored);
        assertFalse(stored.contains(token), "only the token's hash is stored");
        assertTrue(shell("carrier:token", "list").out().contains("it-client"));
    }

    @Test
    @Order(2)
    void everyEndpointRefusesAMissingOrAWrongToken() throws Exception {
        for (String[] endpoint : documentedEndpoints()) {
            String path = endpoint[1].replace("{id}", "0123456789AB").replace("{action}", "hold").replace("{name}", "closed");
            HttpResponse<String> none = call(endpoint[0], path, "{}", null);
            assertEquals(401, none.statusCode(), endpoint[0] + " " + path + ": " + none.body());
            assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), path);
            HttpResponse<String> wrong = call(endpoint[0], path, "{}", "carrier_" + "A".repeat(43));
            assertEquals(401, wrong.statusCode(), endpoint[0] + " " + path + ": " + wrong.body());
            assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElse("").contains("error=\"invalid_token\""));
            assertEquals(401, call(endpoint[0], path, "{}", "Basic YWRtaW46YWRtaW4=", true).statusCode(), "no Basic login");
        }
    }

    @Test
    @Order(3)
    void aRouteCreatedByRestIsUsedByTheNextInjectedMessageWhichReachesTheSink() throws Exception {
        HttpResponse<String> created = call("POST", "/routes", Json.write(Map.of("name", "sink", "domains", List.of("sink.test"),
                "transport", "smtp", "nextHops", "127.0.0.1:" + sink.port(), "tls", "none")), token);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("org.carrier.route-sink.cfg", object(created).get("file"));

        Map<?, ?> report = object(call("GET", "/route-report?address=bob@sink.test", null, token));
        assertEquals("sink", report.get("route"));
        assertEquals(List.of("127.0.0.1:" + sink.port()), report.get("nextHops"));

        HttpResponse<String> injected = call("POST", "/messages", Json.write(Map.of("sender", "app@client.test",
                "recipients", List.of("bob@sink.test"), "content", MESSAGE)), token);
        assertEquals(201, injected.statusCode(), injected.body());
        SmtpSink.Received mail = sink.next(30);
        assertNotNull(mail, "the injected message reaches the sink through the route made by REST");
        assertEquals("app@client.test", mail.from());
        assertEquals(List.of("bob@sink.test"), mail.to());
        assertTrue(mail.content().contains("Subject: injected by REST\r\n") && mail.content().contains("hello over REST"), mail.content());
        assertTrue(mail.content().contains("\r\nMessage-ID: <") || mail.content().startsWith("Message-ID: <"), mail.content());
    }

    @Test
    @Order(4)
    void badBodiesAreRefusedWith400AndChangeNothing() throws Exception {
        HttpResponse<String> malformed = call("POST", "/messages", "{\"sender\": ", token);
        assertEquals(400, malformed.statusCode());
        assertTrue(error(malformed).startsWith("the request body is not JSON: expected a value at character 11"), malformed.body());
        HttpResponse<String> badAddress = call("POST", "/messages", Json.write(Map.of("sender", "app@client.test",
                "recipients", List.of("bob@@sink.test"), "content", MESSAGE)), token);
        assertEquals(400, badAddress.statusCode());
        assertTrue(error(badAddress).contains("bob@@sink.test"), badAddress.body());
        assertEquals(400, call("POST", "/routes", "[1, 2", token).statusCode());
        HttpResponse<String> badRoute = call("POST", "/routes", Json.write(Map.of("name", "bad", "domains", "x.test",
                "transport", "smtp", "port", 99999)), token);
        assertEquals(400, badRoute.statusCode(), badRoute.body());
        assertEquals(404, call("GET", "/routes/bad", null, token).statusCode(), "a refused route is not stored");
        assertEquals(400, call("PUT", "/routes/sink", "{\"tls\": ", token).statusCode());
        assertEquals(400, call("POST", "/queue/hold", "{\"ids\": [1}", token).statusCode());
        assertEquals(400, call("POST", "/queue/hold", "{\"everything\": true}", token).statusCode());
        assertEquals(0, queued("closed.test").size(), "nothing was queued by the refused injections");
    }

    @Test
    @Order(5)
    void unknownIdsAre404AndWrongMethods405() throws Exception {
        for (String[] call : new String[][] {{"GET", "/queue/0123456789AB"}, {"DELETE", "/queue/0123456789AB"},
                {"POST", "/queue/0123456789AB/hold"}, {"POST", "/queue/0123456789AB/release"}, {"POST", "/queue/0123456789AB/retry"},
                {"GET", "/routes/nosuch"}, {"PUT", "/routes/nosuch"}, {"DELETE", "/routes/nosuch"}, {"GET", "/nosuch"},
                {"POST", "/queue/explode"}}) {
            HttpResponse<String> answer = call(call[0], call[1], "{}", token);
            assertEquals(404, answer.statusCode(), call[0] + " " + call[1] + ": " + answer.body());
            assertFalse(error(answer).isEmpty());
        }
        HttpResponse<String> wrong = call("DELETE", "/status", null, token);
        assertEquals(405, wrong.statusCode());
        assertEquals(405, call("PUT", "/messages", "{}", token).statusCode());
    }

    @Test
    @Order(6)
    void holdReleaseRetryAndDeleteChangeTheRealQueue() throws Exception {
        String first = inject("one@closed.test");
        String second = inject("two@closed.test");
        assertEquals(2, queued("closed.test").size());

        assertEquals(200, call("POST", "/queue/" + first + "/hold", null, token).statusCode());
        assertEquals(Boolean.TRUE, object(call("GET", "/queue/" + first, null, token)).get("held"));
        assertTrue(shell("carrier:show", first).out().contains("Held:     yes"), "the real queue has it on hold");
        assertEquals(200, call("POST", "/queue/" + first + "/release", null, token).statusCode());
        assertEquals(Boolean.FALSE, object(call("GET", "/queue/" + first, null, token)).get("held"));

        Map<?, ?> bySender = object(call("POST", "/queue/hold", "{\"sender\": \"app@client.test\"}", token));
        assertEquals(List.of(first, second).stream().sorted().toList(), ((List<?>) bySender.get("changed")).stream().sorted().toList());
        assertEquals(2, object(call("GET", "/queue?held=yes", null, token)).get("matching") instanceof Long n ? n.intValue() : -1);
        Map<?, ?> byIds = object(call("POST", "/queue/release", Json.write(Map.of("ids", List.of(first, "0123456789AB"))), token));
        assertEquals(List.of(first), byIds.get("changed"));
        assertEquals(List.of("0123456789AB"), byIds.get("missing"));

        int attempts = attempts(first);
        Map<?, ?> byDomain = object(call("POST", "/queue/retry", "{\"domain\": \"closed.test\"}", token));
        assertTrue(((List<?>) byDomain.get("changed")).contains(first), byDomain.toString());
        assertTrue(Distribution.waitFor(30, () -> attempts(first) > attempts), "retry made another delivery attempt");
        int again = attempts(first);
        assertEquals(200, call("POST", "/queue/" + first + "/retry", null, token).statusCode());
        assertTrue(Distribution.waitFor(30, () -> attempts(first) > again), "retry by ID made another delivery attempt");

        assertEquals(200, call("DELETE", "/queue/" + first, null, token).statusCode());
        assertEquals(404, call("GET", "/queue/" + first, null, token).statusCode());
        assertEquals(List.of(second), queued("closed.test"));
        assertFalse(shell("carrier:queue").out().contains(first), "deleted from the real queue");
    }

    @Test
    @Order(7)
    void statusShowsVersionUptimeQueueAndNoPeers() throws Exception {
        Map<?, ?> status = object(call("GET", "/status", null, token));
        assertTrue(status.get("version").toString().matches("\\d+\\.\\d+\\.\\d+.*"), status.toString());
        assertTrue(((Long) status.get("uptimeSeconds")) >= 0);
        assertTrue((Long) ((Map<?, ?>) status.get("queue")).get("messages") >= 1, "the held message: " + status);
        assertEquals(Map.of("peers", List.of()), status.get("cluster"));
    }

    @Test
    @Order(8)
    void everyDocumentedEndpointIsServed() throws Exception {
        String id = inject("three@closed.test");
        assertEquals(201, call("POST", "/routes", "{\"name\": \"spare\", \"domains\": \"spare.test\", \"transport\": \"discard\"}", token).statusCode());
        List<String[]> endpoints = documentedEndpoints();
        // the deletions last, so that what they delete is there for the others
        endpoints.sort((a, b) -> Boolean.compare(a[0].equals("DELETE"), b[0].equals("DELETE")));
        for (String[] endpoint : endpoints) {
            String path = endpoint[1].replace("{id}", id).replace("{action}", "hold").replace("{name}", "spare");
            HttpResponse<String> answer = call(endpoint[0], path, "{}", token);
            assertFalse(answer.statusCode() == 404 || answer.statusCode() == 405, endpoint[0] + " " + path + ": " + answer.body());
            assertNotEquals(500, answer.statusCode(), answer.body());
        }
    }

    @Test
    @Order(9)
    void nothingBeyondTheDocumentIsServed() throws Exception {
        List<String[]> documented = documentedEndpoints();
        for (String[] endpoint : documented) {
            String path = endpoint[1].replace("{id}", "0123456789AB").replace("{action}", "hold").replace("{name}", "closed");
            // the methods of every documented template this concrete path matches (/queue/hold is {action} and {id})
            List<String> allowed = documented.stream().filter(d -> path.matches(d[1].replaceAll("\\{[^}]+}", "[^/]+")))
                    .map(d -> d[0]).toList();
            for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH")) {
                if (!allowed.contains(method)) {
                    HttpResponse<String> answer = call(method, path, "{}", token);
                    assertEquals(405, answer.statusCode(), method + " " + path + " is not in the document: " + answer.body());
                }
            }
        }
        for (String path : List.of("", "/", "/tokens", "/config", "/queue/a/b/c", "/routes/closed/extra", "/openapi.yaml")) {
            HttpResponse<String> answer = call("GET", path, null, token);
            assertEquals(404, answer.statusCode(), "GET " + path + " is not in the document: " + answer.body());
        }
    }

    @Test
    @Order(10)
    void routesChangedByRestAndTheTokenSurviveARestartAndARevokedTokenIsRefused() throws Exception {
        HttpResponse<String> changed = call("PUT", "/routes/sink", "{\"order\": 7}", token);
        assertEquals(200, changed.statusCode(), changed.body());
        assertEquals(7L, object(changed).get("order"));
        assertEquals("smtp", object(changed).get("transport"), "what the change does not name stays");
        carrier.stop();
        String file = Files.readString(carrier.home.resolve("config/org.carrier.route-sink.cfg"));
        assertTrue(file.contains("127.0.0.1:" + sink.port()) && file.matches("(?s).*\norder = I?\"?7\"?\n.*"), file);
        carrier.start();

        Map<?, ?> route = object(call("GET", "/routes/sink", null, token));
        assertEquals(7L, route.get("order"));
        assertEquals(200, call("DELETE", "/routes/sink", null, token).statusCode());
        assertFalse(Files.exists(carrier.home.resolve("config/org.carrier.route-sink.cfg")));

        assertEquals(0, shell("carrier:token", "revoke", "it-client").status());
        assertEquals(401, call("GET", "/status", null, token).statusCode());
        assertFalse(shell("carrier:token", "list").out().contains("it-client"));
    }

    @Test
    @Order(11)
    void theTokenIsNeverLogged() throws Exception {
        String log = carrier.awaitLog("REST API: DELETE /routes/sink by token it-client");
        assertTrue(log.contains("REST API: DELETE /routes/sink by token it-client: 200"), "changes are logged by token name");
        assertFalse(log.contains(token), "the token itself is in no log line");
        assertFalse(carrier.console().contains(token), "nor on the console");
    }

    private String createToken(String name) throws Exception {
        RunningCarrier.Ran ran = shell("carrier:token", "create", name);
        assertEquals(0, ran.status(), ran.err() + ran.out());
        return ran.out().lines().filter(l -> l.startsWith("carrier_")).findFirst().orElseThrow(() -> new AssertionError(ran.out()));
    }

    private String inject(String recipient) throws Exception {
        HttpResponse<String> answer = call("POST", "/messages", Json.write(Map.of("sender", "app@client.test",
                "recipients", List.of(recipient), "content", MESSAGE.replace("bob@sink.test", recipient))), token);
        assertEquals(201, answer.statusCode(), answer.body());
        return object(answer).get("id").toString();
    }

    private List<String> queued(String domain) throws IOException, InterruptedException {
        List<?> messages = (List<?>) object(call("GET", "/queue?domain=" + domain, null, token)).get("messages");
        return messages.stream().map(m -> ((Map<?, ?>) m).get("id").toString()).toList();
    }

    private int attempts(String id) {
        try {
            List<?> recipients = (List<?>) object(call("GET", "/queue/" + id, null, token)).get("recipients");
            return ((Long) ((Map<?, ?>) recipients.get(0)).get("attempts")).intValue();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String[]> documentedEndpoints() throws IOException, InterruptedException {
        HttpResponse<String> answer = call("GET", "/openapi.json", null, token);
        assertEquals(200, answer.statusCode(), answer.body());
        List<String[]> endpoints = new ArrayList<>();
        ((Map<?, ?>) object(answer).get("paths")).forEach((path, operations) -> ((Map<?, ?>) operations).keySet()
                .forEach(method -> endpoints.add(new String[] {method.toString().toUpperCase(Locale.ROOT), path.toString()})));
        assertTrue(endpoints.size() >= 14, endpoints.size() + " endpoints");
        return endpoints;
    }

    private HttpResponse<String> call(String method, String path, String body, String bearer) throws IOException, InterruptedException {
        return call(method, path, body, bearer == null ? null : "Bearer " + bearer, true);
    }

    private HttpResponse<String> call(String method, String path, String body, String authorization, boolean raw)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + carrier.httpPort + "/api/v1" + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<?, ?> object(HttpResponse<String> answer) {
        return (Map<?, ?>) Json.parse(answer.body());
    }

    private static String error(HttpResponse<String> answer) {
        Object message = object(answer).get("error");
        return message == null ? "" : message.toString();
    }

    private RunningCarrier.Ran shell(String... command) {
        return carrier.shellRun(command);
    }
}
