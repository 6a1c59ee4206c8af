package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;

import org.carrier.testing.NsdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console's Routes, Queue and Filters pages in a real browser: Debian's headless chromium, driven through
 * its chromedriver by Selenium, against the started distribution. A route added on the Routes page carries mail to an
 * SMTP sink and survives a restart; a waiting message is held and released from the Queue page. Screenshots of the
 * three pages go to target/screenshots (the README shows copies from src/docs). Pages of another site (other loopback
 * origins) cannot drive the stock Configuration and Bundles pages, while the Configuration page itself still saves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebConsoleBrowserIT {
    /** Debian's packages (installed by .ci/run); given explicitly, so Selenium never looks for or downloads a driver. */
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path temp;

    private RunningCarrier carrier;
    private SmtpSink sink;
    private NsdServer nsd;
    private String password;
    private ChromeDriver browser;
    private WebDriverWait wait;
    private String console;

    @BeforeAll
    void start() throws Exception {
        assertTrue(new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
                "Debian's chromium and chromium-driver must be installed (.ci/run installs them)");
        sink = new SmtpSink();
        // a real DNS server for the mx route of the "where would this address go?" box
        nsd = NsdServer.start(Map.of("mx.test", """
                partner MX 10 mx1.partner.mx.test.
                partner MX 20 mx2.partner.mx.test.
                mx1.partner A 127.0.0.31
                mx2.partner A 127.0.0.32"""), 60);
        carrier = new RunningCarrier(temp);
        carrier.configure("org.carrier.dns.cfg", "servers = " + nsd.server() + "\ntimeoutMillis = 1000\nretries = 1\n");
        carrier.configure("org.carrier.route-partners.cfg", "name = partners\ndomains = *.mx.test\ntransport = mx\n");
        carrier.configure("org.carrier.smtp.listener-untrusted.cfg",
                "name = untrusted\nbindAddress = 127.0.0.1\nport = " + Distribution.freePort() + "\ntrustedNetworks = 127.0.0.2/32\n");
        carrier.start();
        password = carrier.generatedPassword();
        console = "http://127.0.0.1:" + carrier.httpPort + "/system/console/";
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort()
                .withLogFile(temp.resolve("chromedriver.log").toFile()).build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
                "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1100", "--user-data-dir=" + temp.resolve("chromium"));
        browser = new ChromeDriver(service, options);
        // the Queue page rebuilds its rows every few seconds: an element found just before that is stale, so look again
        wait = (WebDriverWait) new WebDriverWait(browser, WAIT).ignoring(StaleElementReferenceException.class);
        // HTTP Basic login: the credentials in the first URL; the browser keeps them for the console's later requests
        browser.get("http://admin:" + password + "@127.0.0.1:" + carrier.httpPort + "/system/console/carrier-routes");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("routes")));
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(browser == null ? null : browser::quit, carrier, sink, nsd);
    }

    @Test
    @Order(1)
    void aRouteAddedOnTheRoutesPageCarriesMailAndSurvivesARestart() throws Exception {
        open("carrier-routes");
        addRoute("sinkroute", "sink.test", "127.0.0.1:" + sink.port());
        assertEquals("route sinkroute added", outcome());
        WebElement row = route("sinkroute");
        assertEquals("sink.test", row.findElement(By.className("route-domains")).getText());
        assertEquals("smtp", row.findElement(By.className("route-transport")).getText());

        assertTrue(SmtpClient.send(carrier.smtpPort, "alice@client.test", List.of("bob@sink.test"),
                SmtpClient.message("through the console's route", 100)).startsWith("250"));
        SmtpSink.Received got = sink.next(30);
        assertNotNull(got, "the message reached the sink the new route names");
        assertEquals(List.of("bob@sink.test"), got.to());
        assertTrue(got.content().contains("Subject: through the console's route"));

        // "where would this address go?"
        WebElement report = whereWouldItGo("bob@sink.test");
        assertTrue(report.findElement(By.className("report-route")).getText().startsWith("sinkroute"), report.getText());
        assertTrue(report.findElement(By.className("report-hops")).getText().contains("127.0.0.1:" + sink.port()), report.getText());

        // an mx route: the MX records DNS gave, and the hosts with their addresses, most preferred first
        report = whereWouldItGo("carol@partner.mx.test");
        assertEquals("partners (mx)", report.findElement(By.className("report-route")).getText());
        assertEquals("10 mx1.partner.mx.test\n20 mx2.partner.mx.test", report.findElement(By.className("report-mx")).getText());
        assertEquals("mx1.partner.mx.test:25 [127.0.0.31]\nmx2.partner.mx.test:25 [127.0.0.32]",
                report.findElement(By.className("report-hops")).getText());
        // and the TLS policy each host gets, as the SMTP delivery decides it (issue 16): the route's default dane
        String tls = report.findElement(By.className("report-tls")).getText();
        assertTrue(tls.startsWith("tls = dane for partner.mx.test\nmx1.partner.mx.test: "), tls);
        assertTrue(tls.contains("\nmx2.partner.mx.test: "), tls);
        screenshot("routes");

        carrier.stop();
        carrier.start();
        open("carrier-routes");
        assertEquals("sink.test", route("sinkroute").findElement(By.className("route-domains")).getText(), "kept over the restart");
        assertTrue(Files.exists(carrier.home.resolve("config/org.carrier.route-sinkroute.cfg")));
    }

    @Test
    @Order(2)
    void aBadRouteIsRefusedWithTheFieldNamedAndNothingChanges() {
        open("carrier-routes");
        int before = browser.findElements(By.cssSelector("#routes tr[data-route]")).size();
        addRoute("broken", "example..com", "");
        assertTrue(outcome().startsWith("the route was not saved: domains: not a domain"), outcome());
        assertEquals("example..com", browser.findElement(By.name("domains")).getAttribute("value"), "what was typed is kept");
        assertEquals(before, browser.findElements(By.cssSelector("#routes tr[data-route]")).size());
        assertFalse(Files.exists(carrier.home.resolve("config/org.carrier.route-broken.cfg")));
    }

    @Test
    @Order(3)
    void aWaitingMessageIsHeldAndReleasedFromTheQueuePage() throws Exception {
        // a route to a port nobody listens on: the message waits in the queue (451 cannot connect)
        open("carrier-routes");
        addRoute("later", "wait.test", "127.0.0.1:" + Distribution.freePort());
        assertEquals("route later added", outcome());
        assertTrue(SmtpClient.send(carrier.smtpPort, "alice@client.test", List.of("carol@wait.test"),
                SmtpClient.message("waits in the queue", 100)).startsWith("250"));

        open("carrier-queue");
        String id = wait.until(d -> d.findElement(
                By.xpath("//table[@id='queue-list']//tr[@data-id and contains(., 'carol@wait.test')]")).getAttribute("data-id"));
        wait.until(d -> queueRow(id).getText().contains("carol@wait.test (deferred)"));
        clickInRow(id, By.cssSelector("input[type=checkbox]"));
        browser.findElement(By.cssSelector("#queue-bulk button[data-queue-action='hold']")).click();
        wait.until(d -> "held".equals(queueRow(id).findElement(By.className("queue-held")).getText()));
        assertEquals("1 message held", browser.findElement(By.id("queue-message")).getText());
        wait.until(d -> d.findElement(By.cssSelector("#queue-counts tr[data-state='held']")).getText().equals("held 1"));

        clickInRow(id, By.className("queue-id"));
        WebElement detail = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("queue-detail")));
        wait.until(d -> detail.getText().contains("Subject: waits in the queue"));
        String recipients = wait.until(d -> d.findElement(By.id("queue-recipients")).getText());
        assertTrue(recipients.contains("451"), recipients);
        screenshot("queue");

        // the destination comes back (the route now leads to the sink); released, the message leaves at once
        open("carrier-routes");
        clickToNewPage(route("later").findElement(By.linkText("Edit")));
        WebElement hops = browser.findElement(By.name("nextHops"));
        hops.clear();
        hops.sendKeys("127.0.0.1:" + sink.port());
        clickToNewPage(browser.findElement(By.id("route-save")));
        assertEquals("route later saved", outcome());
        Thread.sleep(1500); // the queue's scheduler must not deliver a held message meanwhile
        assertEquals(null, sink.next(0), "a held message is not delivered");

        open("carrier-queue");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#queue-list tr[data-id='" + id + "']")));
        clickInRow(id, By.className("queue-id"));
        wait.until(d -> {
            d.findElement(By.cssSelector("#queue-detail button[data-detail-action='release']")).click();
            return true;
        });
        SmtpSink.Received got = sink.next(30);
        assertNotNull(got, "released, the message was delivered");
        assertEquals(List.of("carol@wait.test"), got.to());
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#queue-list tr[data-id='" + id + "']"), 0));
        assertTrue(browser.findElement(By.id("queue-message")).getText().startsWith("1 message released"));
    }

    @Test
    @Order(4)
    void removingARouteAsksFirstAndDeletesItsFile() {
        open("carrier-routes");
        route("later").findElement(By.cssSelector("form[data-confirm] button")).click();
        wait.until(ExpectedConditions.alertIsPresent()).dismiss();
        assertEquals(1, browser.findElements(By.cssSelector("#routes tr[data-route='later']")).size(), "dismissed: still there");
        route("later").findElement(By.cssSelector("form[data-confirm] button")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        assertEquals("route later removed", outcome());
        assertEquals(0, browser.findElements(By.cssSelector("#routes tr[data-route='later']")).size());
        assertFalse(Files.exists(carrier.home.resolve("config/org.carrier.route-later.cfg")));
    }

    @Test
    @Order(5)
    void theFiltersPageListsTheDeployedFiltersWithConfigurationLinks() throws IOException {
        open("carrier-filters");
        List<WebElement> filters = browser.findElements(By.cssSelector("#filters tr[data-filter]"));
        assertFalse(filters.isEmpty(), "the size filter is deployed by default: " + browser.findElement(By.id("filters")).getText());
        WebElement size = browser.findElement(By.cssSelector("#filters tr[data-filter='size']"));
        assertTrue(size.findElement(By.tagName("a")).getAttribute("href").endsWith("/system/console/configMgr/org.carrier.filter.size"),
                "the link opens the size filter's configuration form: " + size.getText());
        screenshot("filters");
    }

    @Test
    @Order(6)
    void aForgedPostIsRefusedEvenWithTheUsersLoginAndSession() throws Exception {
        open("carrier-routes");
        String token = browser.findElement(By.className("carrier")).getAttribute("data-csrf");
        String session = browser.manage().getCookies().stream().filter(c -> c.getName().startsWith("JSESSIONID"))
                .map(c -> c.getName() + "=" + c.getValue()).findFirst().orElseThrow();
        String form = "action=save&name=forged&domains=forged.test&transport=discard&csrf=";
        // what another site open in the same browser could send: the login and the cookie come along, the token cannot
        HttpResponse<String> forged = post(form + "guess", session, "http://evil.example");
        assertEquals(403, forged.statusCode(), forged.body());
        HttpResponse<String> foreign = post(form + token, session, "http://evil.example");
        assertEquals(403, foreign.statusCode(), foreign.body());
        assertTrue(foreign.body().contains("another site"), foreign.body());
        // the same request from the console's own origin passes the guard (and is then refused for its bad domain)
        HttpResponse<String> own = post(form.replace("forged.test", "forged..test") + token, session, "http://127.0.0.1:" + carrier.httpPort);
        assertEquals(400, own.statusCode(), own.body());
        assertTrue(own.body().contains("the route was not saved: domains"), own.body());
        open("carrier-routes");
        assertEquals(0, browser.findElements(By.cssSelector("#routes tr[data-route='forged']")).size());
        assertFalse(Files.exists(carrier.home.resolve("config/org.carrier.route-forged.cfg")));
    }

    @Test
    @Order(7)
    void anotherSitesPageCannotDriveTheStockPagesWhileTheConfigurationPageItselfSaves() throws Exception {
        Path listener = carrier.home.resolve("config/org.carrier.smtp.listener-untrusted.cfg");
        String before = Files.readString(listener);
        String sizeFilter = bundleId("org.carrier.filter.size");
        String configMgr = console + "configMgr/org.carrier.smtp.listener~untrusted";
        // the attacks of issue 23: an open relay through the Configuration page, a bundle stopped through the Bundles page
        Map<String, String> pages = Map.of(
                "/relay.html", autoSubmit(configMgr, Map.of("apply", "true", "action", "ajaxConfigManager",
                        "propertylist", "trustedNetworks", "trustedNetworks", "0.0.0.0/0")),
                "/stop.html", autoSubmit(console + "bundles/" + sizeFilter, Map.of("action", "stop")));
        // another port of the same host (same site: even the session cookie comes along) and another address
        for (String address : List.of("127.0.0.1", "127.0.0.2")) {
            HttpServer site = HttpServer.create(new InetSocketAddress(address, 0), 0);
            pages.forEach((path, html) -> site.createContext(path, exchange -> {
                byte[] body = html.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            }));
            site.start();
            try {
                String origin = "http://" + address + ":" + site.getAddress().getPort();
                for (String path : pages.keySet()) {
                    browser.get(origin + path);
                    // the form submits itself; the browser then shows the console's answer
                    wait.until(d -> d.getCurrentUrl().startsWith(console));
                    String answer = wait.until(d -> d.findElement(By.tagName("body")).getText());
                    assertTrue(answer.contains("403 refused: the request comes from another site: " + origin), path + " from " + origin + ": " + answer);
                }
            } finally {
                site.stop(0);
            }
        }
        assertEquals("Active", bundleState(sizeFilter), "the size filter's bundle still runs");
        Thread.sleep(2500); // a change would be written back within FileInstall's 1 s poll
        assertEquals(before, Files.readString(listener), "the listener's file is unchanged: no open relay");
        assertTrue(carrier.awaitLog("refused a POST /system/console/bundles/" + sizeFilter).contains(
                "refused a POST /system/console/configMgr/org.carrier.smtp.listener~untrusted from 127.0.0.1: the request comes from another site"));

        // the stock Configuration page itself still saves (its XHR comes from the console's own origin)
        browser.get(configMgr);
        WebElement field = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#editorForm [name='trustedNetworks']")));
        field.clear();
        field.sendKeys("127.0.0.9/32");
        browser.findElement(By.xpath("//div[contains(@class,'ui-dialog-buttonpane')]//button[normalize-space()='Save']")).click();
        assertTrue(Distribution.waitFor(20, () -> read(listener).contains("127.0.0.9/32")), read(listener));
        screenshot("configuration-saved");
    }

    /** A page that, once opened, posts {@code fields} to {@code action} as a form of another site would. */
    private static String autoSubmit(String action, Map<String, String> fields) {
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html><body><form id='f' method='POST' action='" + action + "'>");
        fields.forEach((name, value) -> html.append("<input type='hidden' name='").append(name).append("' value='").append(value).append("'>"));
        return html.append("</form><script>document.getElementById('f').submit();</script></body></html>").toString();
    }

    private String bundleId(String symbolicName) throws IOException, InterruptedException {
        return bundleField(symbolicName, "\"id\":(\\d+)");
    }

    private String bundleState(String id) throws IOException, InterruptedException {
        HttpResponse<String> json = get("bundles/" + id + ".json");
        Matcher m = Pattern.compile("\"state\":\"(\\w+)\"").matcher(json.body());
        assertTrue(m.find(), json.body());
        return m.group(1);
    }

    /** A field of a bundle's entry in the Bundles page's JSON (one object per bundle, "id" first). */
    private String bundleField(String symbolicName, String field) throws IOException, InterruptedException {
        String json = get("bundles.json").body();
        int at = json.indexOf("\"symbolicName\":\"" + symbolicName + "\"");
        int start = json.lastIndexOf("{\"id\":", at);
        Matcher m = Pattern.compile(field).matcher(at < 0 || start < 0 ? "" : json.substring(start, at));
        assertTrue(m.find(), "no " + symbolicName + " in " + json);
        return m.group(1);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(console + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8)))
                .GET().build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private HttpResponse<String> post(String form, String cookie, String origin) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(console + "carrier-routes"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8)))
                .header("Cookie", cookie).header("Origin", origin).header("Accept", "application/json")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private void open(String label) {
        browser.get(console + label);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.className("carrier")));
    }

    private void addRoute(String name, String domains, String nextHops) {
        browser.findElement(By.name("name")).sendKeys(name);
        browser.findElement(By.name("domains")).sendKeys(domains);
        new Select(browser.findElement(By.name("transport"))).selectByVisibleText("smtp");
        browser.findElement(By.name("nextHops")).sendKeys(nextHops);
        new Select(browser.findElement(By.name("tls"))).selectByVisibleText("none");
        clickToNewPage(browser.findElement(By.id("route-save")));
    }

    /** The "where would this address go?" box; the answer comes with a new page. */
    private WebElement whereWouldItGo(String address) {
        WebElement field = browser.findElement(By.name("address"));
        field.clear();
        field.sendKeys(address);
        clickToNewPage(browser.findElement(By.id("where-go")));
        return wait.until(ExpectedConditions.presenceOfElementLocated(By.id("route-report")));
    }

    /**
     * Clicks a link or a button that submits its form and waits for the page it leaves to go, so that what the test looks for
     * next is found on the answer, not on the page before it (which may have an element of the same id).
     */
    private void clickToNewPage(WebElement target) {
        WebElement leaving = browser.findElement(By.tagName("html"));
        target.click();
        wait.until(ExpectedConditions.stalenessOf(leaving));
    }

    private String outcome() {
        return wait.until(ExpectedConditions.presenceOfElementLocated(By.id("carrier-outcome"))).getText();
    }

    private WebElement route(String name) {
        return wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#routes tr[data-route='" + name + "']")));
    }

    /** Clicks an element of a queue row, looking again if the page rebuilt the row meanwhile. */
    private void clickInRow(String id, By inside) {
        wait.until(d -> {
            queueRow(id).findElement(inside).click();
            return true;
        });
    }

    private WebElement queueRow(String id) {
        return browser.findElement(By.cssSelector("#queue-list tr[data-id='" + id + "']"));
    }

    private void screenshot(String page) throws IOException {
        Path folder = Path.of("target", "screenshots");
        Files.createDirectories(folder);
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), folder.resolve(page + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
