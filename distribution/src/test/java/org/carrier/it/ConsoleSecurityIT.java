package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's HTTP security against the started distribution, at the HTTP level (java.net.http): the one
 * same-origin rule in front of every state-changing request (the stock Configuration and Bundles pages included),
 * the generated password kept out of the log, the session that spares a password check per request, and the
 * back-off for failed logins. WebConsoleBrowserIT shows the same rule in a real browser.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleSecurityIT {
    private static final String LISTENER = "org.carrier.smtp.listener~untrusted";

    @TempDir
    static Path temp;

    private RunningCarrier carrier;
    private String password;
    private String own;
    private Path listenerFile;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws Exception {
        carrier = new RunningCarrier(temp);
        carrier.configure("org.carrier.smtp.listener-untrusted.cfg",
                "name = untrusted\nbindAddress = 127.0.0.1\nport = " + Distribution.freePort() + "\ntrustedNetworks = 127.0.0.2/32\n");
        listenerFile = carrier.home.resolve("config/org.carrier.smtp.listener-untrusted.cfg");
        carrier.start();
        password = carrier.generatedPassword();
        own = "http://127.0.0.1:" + carrier.httpPort;
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier);
    }

    @Test
    @Order(1)
    void theGeneratedPasswordIsInAnOwnerOnlyFileAndNeverInTheLog() throws Exception {
        Path file = carrier.passwordFile();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(200, send(get("/system/console/bundles").header("Authorization", basic(password))).statusCode());
        String log = carrier.awaitLog("web console password generated for user admin");
        assertTrue(log.contains("web console password generated for user admin: it is in data/console-password"), log);
        assertFalse(log.contains(password), "logs/carrier.log holds the password");
        assertFalse(carrier.console().contains(password), "the console output holds the password");
        String stored = Files.readString(carrier.home.resolve("config/org.carrier.admin.console.cfg"));
        assertTrue(stored.contains("{pbkdf2}") && !stored.contains(password), "the configuration holds only the hash");
    }

    @Test
    @Order(2)
    void aStockPageCannotBeDrivenFromAnotherOriginButFromItsOwn() throws Exception {
        String before = Files.readString(listenerFile);
        String relay = form("apply", "true", "action", "ajaxConfigManager", "propertylist", "trustedNetworks", "trustedNetworks", "0.0.0.0/0");
        // what a page of another site makes the browser send: the cached login comes along, the Origin names that site
        HttpResponse<String> foreign = send(post("/system/console/configMgr/" + LISTENER, relay).header("Origin", "http://evil.example"));
        assertEquals(403, foreign.statusCode(), foreign.body());
        assertTrue(foreign.body().contains("the request comes from another site: http://evil.example"), foreign.body());
        HttpResponse<String> foreignPage = send(post("/system/console/configMgr/" + LISTENER, relay)
                .header("Referer", "http://127.0.0.1:" + (carrier.httpPort + 1) + "/attack.html"));
        assertEquals(403, foreignPage.statusCode(), "another port is another origin");
        HttpResponse<String> anonymous = send(post("/system/console/configMgr/" + LISTENER, relay));
        assertEquals(403, anonymous.statusCode(), "neither Origin nor Referer (a script must send Origin)");
        for (String method : new String[] {"PUT", "DELETE", "PATCH"}) {
            HttpResponse<String> other = send(request("/system/console/configMgr/" + LISTENER)
                    .method(method, HttpRequest.BodyPublishers.ofString(relay)).header("Origin", "http://evil.example"));
            assertEquals(403, other.statusCode(), method);
        }

        String sizeFilter = sizeFilterBundle();
        HttpResponse<String> stop = send(post("/system/console/bundles/" + sizeFilter, form("action", "stop")).header("Origin", "http://evil.example"));
        assertEquals(403, stop.statusCode(), stop.body());
        assertEquals("Active", sizeFilterState(), "the bundle still runs");

        Thread.sleep(2500); // FileInstall writes a change back within its 1 s poll: nothing may have been written
        assertEquals(before, Files.readString(listenerFile), "the listener's file is unchanged");
        String log = carrier.awaitLog("refused a POST /system/console/bundles/" + sizeFilter);
        assertTrue(log.contains("refused a POST /system/console/configMgr/" + LISTENER + " from 127.0.0.1: the request comes from another site: http://evil.example"), log);

        // /metrics (GET, no login) is not touched by the rule
        assertEquals(200, send(request("/metrics").GET()).statusCode());

        // the same change from the console's own origin is carried out, as the Configuration page's own save is
        String change = form("apply", "true", "action", "ajaxConfigManager", "propertylist", "trustedNetworks", "trustedNetworks", "127.0.0.9/32");
        HttpResponse<String> accepted = send(post("/system/console/configMgr/" + LISTENER, change).header("Origin", own));
        assertTrue(accepted.statusCode() < 400, accepted.statusCode() + " " + accepted.body());
        assertTrue(Distribution.waitFor(20, () -> read(listenerFile).contains("127.0.0.9/32")), read(listenerFile));
        assertFalse(read(listenerFile).contains("0.0.0.0/0"));
    }

    @Test
    @Order(3)
    void afterOneLoginTheSessionCookieStandsForThePassword() throws Exception {
        String poll = "/system/console/carrier-queue/messages.json";
        HttpResponse<String> login = send(get(poll).header("Authorization", basic(password)));
        assertEquals(200, login.statusCode(), login.body());
        String setCookie = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("carrier-console=")).findFirst()
                .orElseThrow(() -> new AssertionError("no session cookie: " + login.headers().map()));
        assertTrue(setCookie.contains("; HttpOnly") && setCookie.contains("; SameSite=Strict") && setCookie.contains("; Path=/"), setCookie);
        assertFalse(setCookie.contains("Max-Age") || setCookie.contains("Expires"), "a session cookie: it ends with the browser " + setCookie);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        // the Queue page's poll, as a browser with the cookie makes it: no password is sent, none is needed
        int withCookie = 50;
        int withBasic = 10;
        Duration cpu = carrier.cpuTime();
        for (int i = 0; i < withCookie; i++) {
            HttpResponse<String> polled = send(get(poll).header("Cookie", cookie));
            assertEquals(200, polled.statusCode(), "poll " + i);
        }
        Duration cookieCpu = carrier.cpuTime().minus(cpu);
        cpu = carrier.cpuTime();
        for (int i = 0; i < withBasic; i++) {
            assertEquals(200, send(get(poll).header("Authorization", basic(password))).statusCode());
        }
        Duration basicCpu = carrier.cpuTime().minus(cpu);
        double perCookie = cookieCpu.toNanos() / 1e6 / withCookie;
        double perBasic = basicCpu.toNanos() / 1e6 / withBasic;
        System.out.printf("console CPU per polled request: %.1f ms with the session cookie (%d requests), %.1f ms with Basic only (%d requests)%n",
                perCookie, withCookie, perBasic, withBasic);
        assertTrue(perCookie * 4 < perBasic, "a request with the cookie costs a fraction of a password check: " + perCookie + " vs " + perBasic + " ms");

        assertEquals(401, send(get(poll).header("Cookie", "carrier-console=made-up")).statusCode(), "an unknown session is no login");
    }

    @Test
    @Order(4)
    void failedLoginsFromOneAddressAreAnsweredLaterEachTime() throws Exception {
        long[] millis = new long[3];
        for (int i = 0; i < millis.length; i++) {
            long begun = System.nanoTime();
            assertEquals(401, LoopbackHttp.get("127.0.0.5", carrier.httpPort, "/system/console/bundles", "admin", "guess" + i, 20_000));
            millis[i] = (System.nanoTime() - begun) / 1_000_000;
        }
        System.out.printf("failed console logins from 127.0.0.5 answered after %d, %d and %d ms%n", millis[0], millis[1], millis[2]);
        assertTrue(millis[0] >= 1000 && millis[1] >= 2000 && millis[2] >= 4000, java.util.Arrays.toString(millis));
        // another address is not slowed down, and the right password from the guessing one works again after its wait
        long begun = System.nanoTime();
        assertEquals(200, LoopbackHttp.get("127.0.0.6", carrier.httpPort, "/system/console/bundles", "admin", password, 20_000));
        assertTrue((System.nanoTime() - begun) / 1_000_000 < 1000 + millis[0], "127.0.0.6 waited");
        assertEquals(200, LoopbackHttp.get("127.0.0.5", carrier.httpPort, "/system/console/bundles", "admin", password, 20_000));
        String log = carrier.awaitLog("from 127.0.0.5 (3 in a row");
        assertTrue(log.contains("web console login failed for user admin from 127.0.0.5 (3 in a row; answered after 4 s"), log);
    }

    private String sizeFilterBundle() throws IOException, InterruptedException {
        return sizeFilter("id\":(\\d+)");
    }

    private String sizeFilterState() throws IOException, InterruptedException {
        return sizeFilter("state\":\"(\\w+)\"");
    }

    /** A field of the size filter's entry in the Bundles page's JSON (one object per bundle, "id" first). */
    private String sizeFilter(String field) throws IOException, InterruptedException {
        String json = send(get("/system/console/bundles.json").header("Authorization", basic(password))).body();
        int at = json.indexOf("\"symbolicName\":\"org.carrier.filter.size\"");
        int start = json.lastIndexOf("{\"id\":", at);
        Matcher m = Pattern.compile("\"" + field).matcher(at < 0 || start < 0 ? "" : json.substring(start, at));
        if (!m.find()) {
            throw new AssertionError("no " + field + " for the size filter bundle in " + json);
        }
        return m.group(1);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(own + path)).timeout(Duration.ofSeconds(30));
    }

    private HttpRequest.Builder get(String path) {
        return request(path).GET();
    }

    /** A form POST with the console's login, as the browser that has it cached sends it. */
    private HttpRequest.Builder post(String path, String form) {
        return request(path).header("Authorization", basic(password)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String password) {
        return "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String form(String... namesAndValues) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            sb.append(sb.length() == 0 ? "" : "&").append(namesAndValues[i]).append('=')
                    .append(URLEncoder.encode(namesAndValues[i + 1], StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
