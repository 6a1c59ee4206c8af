package org.carrier.filter.spf.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.carrier.api.filter.FilterAction;
import org.carrier.api.filter.FilterResult;
import org.carrier.api.filter.PolicyAction;
import org.carrier.api.filter.TransactionState;
import org.carrier.api.message.Envelope;
import org.carrier.api.message.HeaderField;
import org.carrier.api.message.MailAddress;
import org.carrier.api.message.SessionInfo;
import org.carrier.testing.AnnotationConfig;
import org.carrier.api.dns.DnsResolver;
import org.carrier.testing.dns.CarrierResolver;
import org.carrier.testing.WireDnsServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The OpenSPF RFC 7208 test suite (rfc7208-tests.yml, release 2014.04 with pyspf's later additions; BSD licence in
 * rfc7208-tests.LICENSE beside it; taken from sdgathman/pyspf, test/, commit 1042e9e1). Each scenario's zonedata is
 * served over the DNS wire protocol by a {@link WireDnsServer} on loopback, and each test runs the filter (or for one
 * MAIL FROM without local part, check_host()) through the real {@link CarrierResolver}. Every test must pass; results given as a list accept any of them; an explanation, when
 * the suite gives one, must be exact ("DEFAULT" is the default explanation, as in the suite's own driver).
 */
class OpenSpfSuiteTest {
    /** The number of tests in the suite file: a loader that drops some fails here. */
    private static final int SUITE_TESTS = 203;
    private static final long TTL = 60;

    private static WireDnsServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = WireDnsServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @TestFactory
    List<DynamicTest> rfc7208() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("rfc7208-tests.yml")) {
            for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(in)) {
                Map<String, Object> scenario = map(document);
                WireDnsServer.Zone zone = zone(map(scenario.get("zonedata")));
                String description = (String) scenario.get("description");
                map(scenario.get("tests")).forEach((name, test) ->
                        tests.add(DynamicTest.dynamicTest(description + "/" + name, () -> run(description + "/" + name, zone, map(test)))));
            }
        }
        assertEquals(SUITE_TESTS, tests.size(), "tests read from the suite");
        return tests;
    }

    /**
     * Like the suite's own driver: the MAIL FROM identity, or the HELO identity when MAIL FROM is empty. The test goes
     * through the filter's MAIL FROM stage (its Received-SPF header, its AuthResult, and for a fail its refusal with the
     * explanation); a MAIL FROM that SMTP cannot carry (no local part) goes to check_host() directly.
     */
    private static void run(String name, WireDnsServer.Zone zone, Map<String, Object> test) throws Exception {
        server.serve(zone);
        String helo = String.valueOf(test.get("helo"));
        String mailFrom = String.valueOf(test.get("mailfrom"));
        InetAddress client = InetAddress.getByName((String) test.get("host"));
        String[] resultAndExplanation = mailFrom.startsWith("@") ? checkHost(client, mailFrom, helo)
                : throughFilter(client, mailFrom.isEmpty() ? MailAddress.nullSender() : MailAddress.parse(mailFrom), helo);

        String spec = " (spec " + test.get("spec") + ")";
        Object expected = test.get("result");
        List<?> acceptable = expected instanceof List<?> l ? l : List.of(expected);
        assertTrue(acceptable.contains(resultAndExplanation[0]), name + ": expected " + expected + ", got "
                + resultAndExplanation[0] + spec);
        if (test.containsKey("explanation")) {
            assertEquals(test.get("explanation"), resultAndExplanation[1], name + ": explanation" + spec);
        }
    }

    private static String[] checkHost(InetAddress client, String mailFrom, String helo) {
        String domain = mailFrom.substring(mailFrom.lastIndexOf('@') + 1);
        SpfOutcome outcome = new SpfChecker(resolver(), new SpfChecker.Settings(Duration.ofSeconds(5), Duration.ofSeconds(20),
                "receiver.example", "DEFAULT")).checkHost(client, domain, mailFrom, helo);
        return new String[] {outcome.result().keyword(), outcome.explanation()};
    }

    /** Every result accepted but fail, refused with its explanation; the others read from Received-SPF. */
    private static String[] throughFilter(InetAddress client, MailAddress from, String helo) throws Exception {
        SpfFilter filter = new SpfFilter(resolver());
        filter.configure(AnnotationConfig.of(SpfFilter.Config.class, Map.of("receiver", "receiver.example",
                "defaultExplanation", "DEFAULT", "temperrorAction", PolicyAction.ACCEPT, "dnsTimeoutMillis", 5000)), Map.of());
        SessionInfo session = new SessionInfo("suite", "mx", new InetSocketAddress(client, 40000),
                new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 25), helo, true, null, null, false);
        FilterResult result = filter.mailFrom(session, Envelope.from(from, Map.of()), new TransactionState());
        if (result.action() == FilterAction.REJECT) {
            assertEquals("5.7.23", result.reply().enhancedStatus());
            assertTrue(result.reply().text().startsWith("SPF fail: "), result.reply().text());
            return new String[] {"fail", result.reply().text().substring("SPF fail: ".length())};
        }
        HeaderField received = result.headers().get(0);
        assertEquals("Received-SPF", received.name());
        String keyword = received.value().substring(0, received.value().indexOf(' '));
        assertEquals(keyword, result.authResults().get(0).result(), "the AuthResult agrees with Received-SPF");
        return new String[] {keyword, null};
    }

    /**
     * A fresh resolver for each test (an empty cache), asking the test server; a silent name times out after 1.5 s
     * (generous, so that a loaded machine does not turn a slow answer into a timeout).
     */
    private static DnsResolver resolver() {
        return CarrierResolver.of(Map.of("servers", server.server(), "timeoutMillis", 1500, "retries", 0, "failureTtlSeconds", 0));
    }

    /**
     * The scenario's zonedata as DNS data. As the suite's header asks, SPF (type 99) records are also served as TXT,
     * unless the name has TXT records of its own or "TXT: NONE"; "TIMEOUT" makes the name's other questions go
     * unanswered.
     */
    private static WireDnsServer.Zone zone(Map<String, Object> zonedata) throws Exception {
        WireDnsServer.Zone zone = new WireDnsServer.Zone();
        for (Map.Entry<String, Object> entry : zonedata.entrySet()) {
            Name name = Name.fromString(entry.getKey(), Name.root);
            List<?> items = (List<?>) entry.getValue();
            boolean ownTxt = items.stream().anyMatch(i -> i instanceof Map<?, ?> m && m.containsKey("TXT"));
            for (Object item : items) {
                if ("TIMEOUT".equals(item)) {
                    zone.timeout(name);
                    continue;
                }
                for (Map.Entry<String, Object> rr : map(item).entrySet()) {
                    add(zone, name, rr.getKey(), rr.getValue(), ownTxt);
                }
            }
        }
        return zone;
    }

    private static void add(WireDnsServer.Zone zone, Name name, String type, Object value, boolean ownTxt) throws Exception {
        switch (type) {
            case "SPF" -> {
                zone.add(WireDnsServer.text(name, Type.SPF, strings(value)));
                if (!ownTxt) {
                    zone.add(WireDnsServer.text(name, Type.TXT, strings(value)));
                }
            }
            case "TXT" -> {
                if (!"NONE".equals(value)) {
                    zone.add(WireDnsServer.text(name, Type.TXT, strings(value)));
                }
            }
            case "A" -> zone.add(new ARecord(name, DClass.IN, TTL, InetAddress.getByName((String) value)));
            case "AAAA" -> zone.add(new AAAARecord(name, DClass.IN, TTL, InetAddress.getByName((String) value)));
            case "MX" -> {
                List<?> mx = (List<?>) value;
                String host = String.valueOf(mx.get(1));
                zone.add(new MXRecord(name, DClass.IN, TTL, ((Number) mx.get(0)).intValue(), host.isEmpty() ? Name.root : absolute(host)));
            }
            case "PTR" -> zone.add(new PTRRecord(name, DClass.IN, TTL, absolute((String) value)));
            case "CNAME" -> zone.add(new CNAMERecord(name, DClass.IN, TTL, absolute((String) value)));
            case "RCODE" -> zone.rcode(name, ((Number) value).intValue());
            default -> fail("zonedata type " + type + " of " + name + " is not known to this driver");
        }
    }

    /** A TXT value: one string, or several to be joined without separator (RFC 7208 §3.3); sent as UTF-8, as pyspf does. */
    private static List<byte[]> strings(Object value) {
        List<?> parts = value instanceof List<?> l ? l : List.of(value);
        return parts.stream().map(p -> String.valueOf(p).getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static Name absolute(String name) throws TextParseException {
        return Name.fromString(name, Name.root);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object yaml) {
        return (Map<String, Object>) yaml;
    }
}
