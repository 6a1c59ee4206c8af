package org.carrier.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code carrier:config} through {@code bin/carrier shell} on the started default distribution (Postfix's
 * {@code postconf}): {@code -n} prints exactly what the files in config/ set to something other than a default, a
 * change made in the web console shows at once, {@code -d} prints the components' defaults, secrets are masked; the
 * console's Settings page shows the same.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigDumpIT {
    private static final String ROUTE_PASSWORD = "route-s3cret-4711";

    private RunningCarrier carrier;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        carrier = new RunningCarrier(Files.createTempDirectory(Distribution.home().getParent(), "config-dump-"));
        // a route with an AUTH password: a secret the dump must not show
        carrier.configure("org.carrier.route-relay.cfg", "name = relay\ndomains = relay.test\ntransport = smtp\n"
                + "nextHops = 127.0.0.1:1\nauthUser = carrier\nauthPassword = " + ROUTE_PASSWORD + "\n");
        carrier.start();
    }

    @AfterAll
    void stop() throws Exception {
        Distribution.closeAll(carrier);
    }

    @Test
    @Order(1)
    void dashNPrintsWhatConfigSetsToOtherThanTheDefaults() throws Exception {
        Map<String, String> defaults = settings(shell("-d"));
        Map<String, String> changed = settings(shell("-n"));
        Map<String, String> files = configFolder();

        // every line of -n is a key a file in config/ sets, with the file's value (a secret masked)
        for (Map.Entry<String, String> line : changed.entrySet()) {
            assertTrue(files.containsKey(line.getKey()), "-n prints what no file in config/ sets: " + line);
            String expected = line.getKey().endsWith(" password") || line.getKey().endsWith(" authPassword") ? "********"
                    : files.get(line.getKey());
            assertEquals(expected, line.getValue(), line.getKey());
        }
        // and every key a file sets to other than its default is there
        for (Map.Entry<String, String> set : files.entrySet()) {
            String general = set.getKey().replaceFirst("~[^ ]*", ""); // a factory configuration's defaults are its factory's
            if (!set.getValue().equals(defaults.get(general))) {
                assertTrue(changed.containsKey(set.getKey()), "-n misses " + set + " (default " + defaults.get(general) + ")");
            }
        }
        // what the shipped files set to the very default is not shown, e.g. the listener's port... in this copy the port
        // is a free one, but its trusted networks are the default
        assertEquals("127.0.0.0/8, ::1/128", defaults.get("org.carrier.smtp.listener trustedNetworks"));
        assertFalse(changed.containsKey("org.carrier.smtp.listener~default trustedNetworks"), changed.toString());
        assertEquals(String.valueOf(carrier.smtpPort), changed.get("org.carrier.smtp.listener~default port"));
        assertEquals("config/aliases.properties", files.get("org.carrier.router aliasFile"));
        assertFalse(changed.containsKey("org.carrier.router aliasFile"), "aliasFile is set to its default: " + changed);
        assertEquals("********", changed.get("org.carrier.admin.console password"), "the generated password's hash: " + changed);
        assertEquals("relay.test", changed.get("org.carrier.route~relay domains"), changed.toString());
    }

    @Test
    @Order(2)
    void dashDPrintsTheDefaultsAndNoOptionEverySettingInForce() throws Exception {
        String defaults = shell("-d");
        assertTrue(defaults.contains("\norg.carrier.queue maxHops = 50\n"), defaults);
        assertTrue(defaults.contains("\norg.carrier.smtp.listener port = 2525\n"), defaults);
        assertTrue(defaults.contains("\norg.carrier.smtp.listener maxRecipients = 100\n"), defaults);
        // empty: the transport's own default applies (dane for mx routes, may for the others; RouteSpec.defaultTls)
        assertTrue(defaults.contains("\norg.carrier.route tls = \n"), defaults);
        assertTrue(defaults.contains("\norg.carrier.admin.console password = \n"), defaults);
        assertFalse(defaults.contains("~"), "defaults are per PID and factory PID, not per configuration:\n" + defaults);

        String all = shell();
        // keys the listener's file does not set show their defaults, the set ones their values
        assertTrue(all.contains("\norg.carrier.smtp.listener~default maxRecipients = 100\n"), all);
        assertTrue(all.contains("\norg.carrier.smtp.listener~default port = " + carrier.smtpPort + "\n"), all);
        assertTrue(all.contains("\norg.carrier.route~relay nextHops = 127.0.0.1:1\n"), all);
        List<String> lines = all.lines().filter(l -> !l.isEmpty()).toList();
        assertEquals(lines.stream().sorted(java.util.Comparator.comparing((String l) -> l.substring(0, l.indexOf(' ')))
                .thenComparing(l -> l.substring(l.indexOf(' ') + 1, l.indexOf(" = ")))).toList(), lines, "sorted by PID, then key");
        assertTrue(lines.stream().allMatch(l -> l.matches("org\\.carrier\\.\\S+ \\S+ = .*")), all);
        assertEquals(all, shell(), "stable: the same dump twice");
        assertEquals(all.lines().filter(l -> l.startsWith("org.carrier.queue ")).toList(), shell("org.carrier.queue").lines().filter(l -> !l.isEmpty()).toList(),
                "a PID argument selects that PID");
    }

    @Test
    @Order(3)
    void secretsAreMasked() throws Exception {
        String all = shell();
        String hash = load(carrier.home.resolve("config/org.carrier.admin.console.cfg")).getProperty("password");
        assertTrue(hash.startsWith("{pbkdf2}"), "the console password was hashed into its file: " + hash);
        assertTrue(all.contains("\norg.carrier.route~relay authPassword = ********\n"), all);
        assertTrue(all.contains("\norg.carrier.admin.console password = ********\n"), all);
        assertFalse(all.contains(ROUTE_PASSWORD) || all.contains(hash.substring(8)), all);
        String page = page("?show=all");
        assertFalse(page.contains(ROUTE_PASSWORD) || page.contains(hash.substring(8)), page);
    }

    @Test
    @Order(4)
    void aChangeInTheConsoleShowsAtOnce() throws Exception {
        assertFalse(shell("-n").contains("org.carrier.queue maxHops"), "maxHops is at its default in the shipped file");
        postToConsole("org.carrier.queue", Map.of("maxHops", "42"));
        assertTrue(Distribution.waitFor(20, () -> shellQuietly("-n").contains("\norg.carrier.queue maxHops = 42\n")),
                "the console's change is not in the dump:\n" + shellQuietly("-n"));

        String page = page("?show=changed");
        assertTrue(page.matches("(?s).*<td>maxHops</td><td class='setting-value'>42</td><td>50</td>.*"), page);
        String json = get("/system/console/carrier-settings/settings.json?show=changed").body();
        assertTrue(json.contains("{\"pid\":\"org.carrier.queue\",\"key\":\"maxHops\",\"value\":\"42\",\"default\":\"50\",\"set\":true}"), json);
        assertFalse(json.contains(ROUTE_PASSWORD), json);
    }

    /** {@code carrier:config ARGS} through bin/carrier shell, which must succeed. */
    private String shell(String... args) throws IOException, InterruptedException {
        String[] command = Stream.concat(Stream.of("shell", "carrier:config"), Stream.of(args)).toArray(String[]::new);
        RunningCarrier.Ran ran = carrier.bin("carrier", "", command);
        assertEquals(0, ran.status(), ran.err());
        assertEquals("", ran.err());
        return "\n" + ran.out(); // a leading line break, so that every line can be matched as "\nLINE\n"
    }

    private String shellQuietly(String... args) {
        try {
            return shell(args);
        } catch (IOException | InterruptedException | AssertionError e) {
            return e.toString();
        }
    }

    /** A dump's lines as "pid key" to value. */
    private static Map<String, String> settings(String dump) {
        Map<String, String> settings = new LinkedHashMap<>();
        dump.lines().filter(l -> !l.isEmpty()).forEach(l -> {
            int equals = l.indexOf(" = ");
            settings.put(l.substring(0, equals), l.substring(equals + 3));
        });
        return settings;
    }

    /** What the .cfg files in config/ set, as "pid key" to value; a factory file NAME-X.cfg is the PID NAME~X (FileInstall). */
    private Map<String, String> configFolder() throws IOException {
        Map<String, String> set = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(carrier.home.resolve("config"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("org\\.carrier\\..*\\.cfg")).sorted().toList()) {
                String name = file.getFileName().toString().replaceFirst("\\.cfg$", "");
                String pid = name.contains("-") ? name.substring(0, name.indexOf('-')) + "~" + name.substring(name.indexOf('-') + 1) : name;
                load(file).forEach((key, value) -> set.put(pid + " " + key, value.toString()));
            }
        }
        return set;
    }

    private static Properties load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            properties.load(in);
        }
        return properties;
    }

    private String page(String query) throws Exception {
        HttpResponse<String> response = get("/system/console/carrier-settings" + query);
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** What the web console's configuration page sends when an administrator saves a configuration. */
    private void postToConsole(String pid, Map<String, String> properties) throws Exception {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("apply", "true");
        form.put("action", "ajaxConfigManager");
        form.put("propertylist", String.join(",", properties.keySet()));
        form.putAll(properties);
        String body = form.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(java.util.stream.Collectors.joining("&"));
        HttpResponse<String> response = http.send(request("/system/console/configMgr/" + pid)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "http://127.0.0.1:" + carrier.httpPort) // as a browser sends it: the console refuses a POST without
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(response.statusCode() < 400, "console refused the change: " + response.statusCode() + " " + response.body());
    }

    private HttpRequest.Builder request(String path) throws InterruptedException {
        String token = Base64.getEncoder().encodeToString(("admin:" + carrier.generatedPassword()).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + carrier.httpPort + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Basic " + token);
    }
}
