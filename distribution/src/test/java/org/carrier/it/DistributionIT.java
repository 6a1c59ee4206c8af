package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end: the built distribution, started with bin/carrier as its own process, used the way
 * an administrator would: mail in over SMTP, a filter bundle dropped into deploy/ and removed,
 * a route added in the web console, and a restart that keeps it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributionIT {
    private static final String SENDER = "sender@client.test";

    private RunningCarrier carrier;
    private SmtpSink sink;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws Exception {
        sink = new SmtpSink();
        // A folder beside the distribution, kept after the run so its console.log and logs/ can be read.
        Path dir = Files.createTempDirectory(Distribution.home().getParent(), "e2e-");
        carrier = new RunningCarrier(dir).start();
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier, sink);
    }

    @Test
    @Order(1)
    void mailToALocalUserLandsInTheirMaildir() throws Exception {
        String reply = SmtpClient.send(carrier.smtpPort, SENDER, List.of("alice@localhost"), SmtpClient.message("hello alice", 200));
        assertTrue(reply.matches("250 2\\.0\\.0 Ok: queued as [0-9A-Z]+"), reply);
        String queueId = reply.substring(reply.lastIndexOf(' ') + 1);

        Path alice = carrier.maildir("alice");
        assertTrue(Distribution.waitFor(30, () -> !Distribution.newMail(alice).isEmpty()), "nothing delivered:\n" + carrier.console());
        String mail = Files.readString(Distribution.newMail(alice).get(0), StandardCharsets.ISO_8859_1);
        assertTrue(mail.startsWith("Return-Path: <" + SENDER + ">\r\nDelivered-To: alice@localhost\r\n"), mail);
        assertTrue(mail.contains("Received: from client.test"), mail);
        assertTrue(mail.contains(queueId), "the Received header names the queue ID: " + mail);
        assertTrue(Files.readString(carrier.home.resolve("logs/carrier.log")).contains(queueId + ": "),
                "the log file has lines about the message, prefixed with its queue ID");
    }

    @Test
    @Order(2)
    void webConsoleRefusesTheWellKnownPasswordAndAcceptsTheGeneratedOne() throws Exception {
        String password = carrier.generatedPassword();
        assertEquals(401, get("/system/console/bundles", "admin", "admin").statusCode());
        assertFalse(carrier.wellKnownPasswordAccepted(), "admin/admin was accepted while Carrier started");
        assertEquals(401, get("/system/console/bundles", null, null).statusCode());
        assertEquals(200, get("/system/console/bundles", "admin", password).statusCode());
        String stored = Files.readString(carrier.home.resolve("config/org.carrier.admin.console.cfg"));
        assertTrue(stored.contains("{pbkdf2}") && !stored.contains(password), "the password is stored hashed only");
    }

    @Test
    @Order(3)
    void theSizeFilterIsActiveByDefaultAndComesAndGoesWithItsJar() throws Exception {
        String big = SmtpClient.message("big", 5_000);
        Path deployed = carrier.home.resolve("deploy/org.carrier.filter.size.jar");
        assertEquals("Active", bundleState("org.carrier.filter.size"), "the size filter ships active in deploy/");
        assertTrue(send("alice@localhost", big).startsWith("250"), "5 KB is within the default limit");

        Files.writeString(carrier.home.resolve("config/org.carrier.filter.size.cfg"), "maxMessageSize = 2000\n");
        assertTrue(Distribution.waitFor(10, () -> sendQuietly("alice@localhost", big).startsWith("552 5.3.4")),
                "the new limit did not apply:\n" + carrier.console());
        assertTrue(send("alice@localhost", SmtpClient.message("small", 100)).startsWith("250"));

        Files.delete(deployed);
        assertTrue(Distribution.waitFor(20, () -> bundleState("org.carrier.filter.size").equals("absent")),
                "the removed bundle was not uninstalled");
        assertTrue(send("alice@localhost", big).startsWith("250"), "the filter outlived its jar");

        long dropped = System.nanoTime();
        Files.copy(carrier.home.resolve("extras/org.carrier.filter.size.jar"), deployed);
        assertTrue(Distribution.waitFor(20, () -> bundleState("org.carrier.filter.size").equals("Active")),
                "the dropped bundle did not become active:\n" + carrier.console());
        System.out.printf("hot deploy: bundle active %.1f s after the jar was dropped%n", (System.nanoTime() - dropped) / 1e9);
        assertTrue(Distribution.waitFor(10, () -> sendQuietly("alice@localhost", big).startsWith("552 5.3.4")),
                "the dropped size filter did not refuse a big message");
        Files.delete(deployed);
        assertTrue(Distribution.waitFor(20, () -> bundleState("org.carrier.filter.size").equals("absent")),
                "the removed bundle was not uninstalled");
        assertTrue(send("alice@localhost", big).startsWith("250"), "the filter outlived its jar");
    }

    @Test
    @Order(4)
    void aRouteAddedInTheWebConsoleIsFollowedAndWrittenToTheConfigFolder() throws Exception {
        createRouteInConsole("relay-test", "relay.test", "127.0.0.1:" + sink.port());
        assertTrue(Distribution.waitFor(20, () -> routeFile("relay.test") != null),
                "the console's route was not written to config/:\n" + carrier.console());
        // ConfigAdmin hands the new route to the router asynchronously: the file may be written a moment before.
        String message = SmtpClient.message("via console route", 100);
        assertTrue(Distribution.waitFor(20, () -> sendQuietly("bob@relay.test", message).startsWith("250")),
                "the console's route was not followed:\n" + carrier.console());
        SmtpSink.Received relayed = sink.next(30);
        assertNotNull(relayed, "nothing relayed:\n" + carrier.console());
        assertEquals(List.of("bob@relay.test"), relayed.to());
    }

    @Test
    @Order(5)
    void aSettingChangedInTheWebConsoleIsWrittenBackToItsFile() throws Exception {
        Path file = carrier.home.resolve("config/org.carrier.router.cfg");
        assertTrue(read(file).contains("localDomains = localhost"), read(file));
        postToConsole("org.carrier.router", Map.of("localDomains", "localhost, example.test"));
        assertTrue(Distribution.waitFor(20, () -> read(file).contains("example.test")),
                "the console's edit did not reach " + file + ":\n" + read(file));
        assertTrue(read(file).contains("# Domains delivered to local Maildirs"), "the file's comments are kept");
        // The file and the router learn of the change separately; the router follows within moments.
        assertTrue(Distribution.waitFor(10, () -> sendQuietly("carol@example.test", SmtpClient.message("now local", 100)).startsWith("250")),
                "example.test did not become a local domain");
        assertTrue(Distribution.waitFor(30, () -> !Distribution.newMail(carrier.maildir("carol")).isEmpty()),
                "example.test did not become local");
    }

    @Test
    @Order(6)
    void aBrokenConfigFileIsReportedAndTheLastGoodSettingsStay() throws Exception {
        Path file = carrier.home.resolve("config/org.carrier.smtp.listener-default.cfg");
        String good = read(file);
        Files.writeString(file, good.replace("trustedNetworks = 127.0.0.0/8, ::1/128", "trustedNetworks = 127.0.0.0/8, not-a-network"));
        try {
            assertTrue(Distribution.waitFor(20, () -> carrier.console().lines().anyMatch(l -> l.contains("ERROR")
                            && l.contains("org.carrier.smtp.listener-default.cfg") && l.contains("trustedNetworks")
                            && l.contains("not-a-network"))),
                    "no error line naming the file, the key and the problem:\n" + carrier.console());
            String reply = send("bob@relay.test", SmtpClient.message("still relaying", 100));
            assertTrue(reply.startsWith("250"), "the last good listener settings (loopback may relay) stay: " + reply);
            assertNotNull(sink.next(30));
        } finally {
            Files.writeString(file, good);
        }
    }

    @Test
    @Order(7)
    void theRouteAndTheMailboxSurviveARestart() throws Exception {
        carrier.stop();
        carrier.start();
        String reply = send("bob@relay.test", SmtpClient.message("after restart", 100));
        assertTrue(reply.startsWith("250"), reply);
        SmtpSink.Received relayed = sink.next(30);
        assertNotNull(relayed, "the route did not survive the restart:\n" + carrier.console());
        assertTrue(relayed.content().contains("Subject: after restart"));
        assertTrue(Distribution.newMail(carrier.maildir("alice")).size() >= 4, "alice's mail is still there");
        assertTrue(read(carrier.home.resolve("config/org.carrier.router.cfg")).contains("example.test"), "the console edit survived");
    }

    private String send(String rcpt, String message) throws IOException {
        return SmtpClient.send(carrier.smtpPort, SENDER, List.of(rcpt), message);
    }

    private String sendQuietly(String rcpt, String message) {
        try {
            return send(rcpt, message);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Path routeFile(String domain) {
        try (Stream<Path> files = Files.list(carrier.home.resolve("config"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("org.carrier.route-"))
                    .filter(f -> read(f).contains(domain)).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** STARTTLS with the certificate Carrier generated at first start, driven by swaks (installed by .ci/run). */
    @Test
    @Order(8)
    void startTlsWithTheGeneratedCertificateCarriesMail() throws Exception {
        // The certificate is made in the background at first start: STARTTLS is offered once it is ready.
        assertTrue(Distribution.waitFor(60, this::offersStartTls), "no STARTTLS:\n" + carrier.console());
        Process swaks = new ProcessBuilder("swaks", "--server", "127.0.0.1", "--port", String.valueOf(carrier.smtpPort), "--tls",
                "--from", SENDER, "--to", "dave@localhost", "--header", "Subject: over TLS").redirectErrorStream(true).start();
        swaks.getOutputStream().close();
        String out = new String(swaks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(swaks.waitFor(30, TimeUnit.SECONDS) && swaks.exitValue() == 0, out);
        Path dave = carrier.maildir("dave");
        assertTrue(Distribution.waitFor(30, () -> !Distribution.newMail(dave).isEmpty()), "nothing delivered:\n" + carrier.console());
        String mail = Files.readString(Distribution.newMail(dave).get(0), StandardCharsets.ISO_8859_1);
        assertTrue(mail.contains("(using TLSv1.") && mail.contains(" with ESMTPS id "), mail);
        try (Stream<Path> generated = Files.list(carrier.home.resolve("data/tls"))) {
            assertTrue(generated.anyMatch(f -> f.getFileName().toString().endsWith(".crt")), "the certificate is kept in data/tls");
        }
    }

    /** A user added with bin/carrier-passwd may authenticate inside TLS within seconds, without a restart. */
    @Test
    @Order(9)
    void aUserAddedWithCarrierPasswdAuthenticatesInsideTls() throws Exception {
        Process passwd = new ProcessBuilder("bash", carrier.home.resolve("bin/carrier-passwd").toString(), "--cost", "4", "erin")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        passwd.getOutputStream().write("s3cret\n".getBytes(StandardCharsets.UTF_8));
        passwd.getOutputStream().close();
        String line = new String(passwd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(passwd.waitFor(60, TimeUnit.SECONDS) && passwd.exitValue() == 0, line);
        Files.writeString(carrier.home.resolve("config/smtp-users.properties"), line, StandardOpenOption.APPEND);
        // A login that is not an address owns no sender until the sender-login table gives it one.
        Files.writeString(carrier.home.resolve("config/sender-logins.properties"), "erin = erin@client.test\n", StandardOpenOption.APPEND);
        createRouteInConsole("auth-relay", "auth.test", "127.0.0.1:" + sink.port());
        String[] untrusted = {"swaks", "--server", "127.0.0.1", "--port", String.valueOf(carrier.smtpPort), "--tls",
            "--auth", "PLAIN", "--auth-user", "erin", "--auth-password", "s3cret", "--from", "erin@client.test", "--to", "frank@auth.test"};
        String out = "";
        for (int attempt = 0; attempt < 20 && !out.contains("235 2.7.0"); attempt++) {
            // The users file is read again within seconds of a change.
            Thread.sleep(500);
            Process swaks = new ProcessBuilder(untrusted).redirectErrorStream(true).start();
            swaks.getOutputStream().close();
            out = new String(swaks.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            swaks.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(out.contains("235 2.7.0") && out.contains("250 2.0.0 Ok: queued as"), out);
        SmtpSink.Received relayed;
        do {
            relayed = sink.next(30);
        } while (relayed != null && !relayed.to().equals(List.of("frank@auth.test")));
        assertNotNull(relayed, "the relay peer did not receive frank's message:\n" + carrier.console());
    }

    private boolean offersStartTls() {
        try (SmtpClient c = new SmtpClient("127.0.0.1", carrier.smtpPort)) {
            c.reply();
            boolean offered = c.command("EHLO client.test").contains("STARTTLS");
            c.command("QUIT");
            return offered;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /** The state the web console shows for a bundle ("Active", "Installed", ...), or "absent". */
    private String bundleState(String symbolicName) {
        try {
            String json = get("/system/console/bundles.json", "admin", carrier.generatedPassword()).body();
            int at = json.indexOf("\"symbolicName\":\"" + symbolicName + "\"");
            if (at < 0) {
                return "absent";
            }
            int start = json.lastIndexOf('{', at);
            int state = json.indexOf("\"state\":\"", start) + 9;
            return json.substring(state, json.indexOf('"', state));
        } catch (IOException | InterruptedException e) {
            return "unknown: " + e;
        }
    }

    /** What the web console's configuration page sends when an administrator creates a route. */
    private void createRouteInConsole(String name, String domains, String nextHops) throws Exception {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("name", name);
        properties.put("domains", domains);
        properties.put("transport", "smtp");
        properties.put("nextHops", nextHops);
        properties.put("order", "100");
        Map<String, String> form = new LinkedHashMap<>();
        form.put("factoryPid", "org.carrier.route");
        form.putAll(properties);
        postToConsole("org.carrier.route", form, properties.keySet());
    }

    /** What the web console's configuration page sends when an administrator saves a configuration. */
    private void postToConsole(String pid, Map<String, String> properties) throws Exception {
        postToConsole(pid, properties, properties.keySet());
    }

    private void postToConsole(String pid, Map<String, String> fields, Set<String> propertyNames) throws Exception {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("apply", "true");
        form.put("action", "ajaxConfigManager");
        form.put("propertylist", String.join(",", propertyNames));
        form.putAll(fields);
        String body = form.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpResponse<String> response = http.send(request("/system/console/configMgr/" + pid, "admin", carrier.generatedPassword())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "http://127.0.0.1:" + carrier.httpPort) // as a browser sends it: the console refuses a POST without
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() < 400, "console refused the change: " + response.statusCode() + " " + response.body());
    }

    private HttpResponse<String> get(String path, String user, String password) throws IOException, InterruptedException {
        return http.send(request(path, user, password).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path, String user, String password) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + carrier.httpPort + path))
                .timeout(Duration.ofSeconds(20));
        if (user != null) {
            String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            b.header("Authorization", "Basic " + token);
        }
        return b;
    }
}
