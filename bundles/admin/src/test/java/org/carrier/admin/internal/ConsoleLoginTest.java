package org.carrier.admin.internal;

import static org.carrier.admin.internal.Proxies.proxy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.carrier.api.auth.PasswordHash;
import org.carrier.api.text.Printable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.ConfigurationAdmin;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** The console login: one password check per login, then the session cookie; failed logins answered later each time. */
class ConsoleLoginTest {
    private static final String HASH = PasswordHash.pbkdf2("right password".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path temp;

    private final List<Duration> pauses = new ArrayList<>();
    private final List<Integer> checkedWhilePaused = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong();
    private ConsoleLogin login;
    /** The address whose right password {@link #pause} tries while a failed login waits: it must be refused. */
    private String alsoWaiting = "127.0.0.9";
    private final Map<String, Object> values = new HashMap<>(Map.of("username", "admin", "password", HASH, "realm", "Carrier",
            "sessionTimeoutMinutes", 30, "sessionMaxHours", 12));

    /** A response that keeps its status and headers. */
    static final class Answer {
        int status = 200;
        final Map<String, List<String>> headers = new LinkedHashMap<>();
        final HttpServletResponse response = proxy(HttpServletResponse.class, (name, args) -> switch (name) {
            case "setStatus" -> {
                status = (Integer) args[0];
                yield null;
            }
            case "setHeader", "addHeader" -> headers.computeIfAbsent((String) args[0], k -> new ArrayList<>()).add((String) args[1]);
            default -> throw new UnsupportedOperationException("response." + name);
        });
    }

    private ConsoleLogin login() {
        ConfigurationAdmin noConfigAdmin = proxy(ConfigurationAdmin.class, (name, args) -> {
            throw new UnsupportedOperationException("a hashed password needs no ConfigAdmin");
        });
        login = new ConsoleLogin(noConfigAdmin, config(), values, new GeneratedPassword(temp.resolve("console-password"), null),
                this::pause, clock::get);
        return login;
    }

    /**
     * The failed login's wait: meanwhile the right password from the same address is refused without a check;
     * then the clock moves on as a real wait would.
     */
    private void pause(Duration delay) {
        pauses.add(delay);
        long checks = login.passwordChecks.get();
        Answer meanwhile = new Answer();
        assertNull(login.authenticate(request(basic("admin", "right password"), null, alsoWaiting), meanwhile.response));
        assertEquals(401, meanwhile.status);
        checkedWhilePaused.add((int) (login.passwordChecks.get() - checks));
        clock.addAndGet(delay.toNanos());
    }

    private ConsoleLogin.Config config() {
        Map<String, Object> snapshot = new HashMap<>(values); // as DS gives: one instance per configuration
        return proxy(ConsoleLogin.Config.class, (name, args) -> snapshot.get(name));
    }

    private static HttpServletRequest request(String authorization, String cookie) {
        return request(authorization, cookie, "127.0.0.9");
    }

    private static HttpServletRequest request(String authorization, String cookie, String remoteAddress) {
        return proxy(HttpServletRequest.class, (name, args) -> switch (name) {
            case "getHeader" -> "Authorization".equals(args[0]) ? authorization : null;
            case "getCookies" -> cookie == null ? null : new Cookie[] {new Cookie("JSESSIONID", "x"), new Cookie(ConsoleLogin.COOKIE, cookie)};
            case "getRemoteAddr" -> remoteAddress;
            case "isSecure" -> false;
            default -> throw new UnsupportedOperationException("request." + name);
        });
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String sessionCookie(Answer answer) {
        String setCookie = answer.headers.get("Set-Cookie").get(0);
        return setCookie.substring((ConsoleLogin.COOKIE + "=").length(), setCookie.indexOf(';'));
    }

    @Test
    void aLoginChecksThePasswordOnceAndTheCookieStandsForItAfterwards() {
        ConsoleLogin login = login();
        Answer first = new Answer();
        assertEquals("admin", login.authenticate(request(basic("admin", "right password"), null), first.response));
        assertEquals(1, login.passwordChecks.get());
        String cookie = sessionCookie(first);

        for (int i = 0; i < 50; i++) {
            Answer next = new Answer();
            // the browser keeps sending its cached Basic credentials along with the cookie: the cookie decides
            assertEquals("admin", login.authenticate(request(i % 2 == 0 ? null : basic("admin", "right password"), cookie), next.response));
            assertNull(next.headers.get("Set-Cookie"), "no new session for a request that has one");
        }
        assertEquals(1, login.passwordChecks.get(), "50 polled requests with the cookie: no password check");
    }

    @Test
    void theCookieIsHttpOnlySameSiteStrictAndASessionCookie() {
        Answer answer = new Answer();
        login().authenticate(request(basic("admin", "right password"), null), answer.response);
        String setCookie = answer.headers.get("Set-Cookie").get(0);
        assertTrue(setCookie.matches(ConsoleLogin.COOKIE + "=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict"), setCookie);
    }

    @Test
    void anUnknownCookieFallsBackToBasicAndAChangedPasswordEndsTheSessions() {
        ConsoleLogin login = login();
        Answer none = new Answer();
        assertNull(login.authenticate(request(null, "made-up"), none.response));
        assertEquals(401, none.status);
        assertTrue(none.headers.get("WWW-Authenticate").get(0).startsWith("Basic realm=\"Carrier\""));

        Answer first = new Answer();
        login.authenticate(request(basic("admin", "right password"), null), first.response);
        String cookie = sessionCookie(first);
        values.put("password", PasswordHash.pbkdf2("another password".getBytes(StandardCharsets.UTF_8)));
        login.modified(config(), values);
        Answer after = new Answer();
        assertNull(login.authenticate(request(null, cookie), after.response), "the old login's session ended");
        assertEquals(401, after.status);
    }

    @Test
    void failedLoginsFromOneAddressAreAnsweredLaterEachTimeAndNotCheckedMeanwhile() {
        ConsoleLogin login = login();
        for (int i = 0; i < 3; i++) {
            Answer answer = new Answer();
            assertNull(login.authenticate(request(basic("admin", "guess " + i), null), answer.response));
            assertEquals(401, answer.status);
        }
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)), pauses);
        assertEquals(List.of(0, 0, 0), checkedWhilePaused, "no password is checked while an address waits");
        assertEquals(3, login.passwordChecks.get());
        Answer right = new Answer();
        assertEquals("admin", login.authenticate(request(basic("admin", "right password"), null), right.response));
        Answer wrongAgain = new Answer();
        login.authenticate(request(basic("admin", "guess"), null), wrongAgain.response);
        assertEquals(Duration.ofSeconds(1), pauses.get(pauses.size() - 1), "a successful login starts the count again");
    }

    @Test
    void anIpv6ClientWaitsWithEveryAddressOfItsNetwork() {
        ConsoleLogin login = login();
        alsoWaiting = "[2001:db8:0:1::2]"; // another address of the guessing client's /64, as Jetty may write it
        assertNull(login.authenticate(request(basic("admin", "guess"), null, "2001:db8:0:1:0:0:0:1"), new Answer().response));
        assertEquals(List.of(Duration.ofSeconds(1)), pauses);
        assertEquals(List.of(0), checkedWhilePaused, "the same /64 is not checked while it waits");
        assertNull(login.authenticate(request(basic("admin", "guess"), null, "2001:db8:0:1::3"), new Answer().response));
        assertEquals(Duration.ofSeconds(2), pauses.get(1), "the network's second failure");
        assertEquals("2001:db8:0:2:0:0:0:0/64", ConsoleLogin.clientNetwork("2001:db8:0:2::1%eth0"));
        assertEquals("127.0.0.9", ConsoleLogin.clientNetwork("127.0.0.9"));
    }

    @Test
    void aRefusedSessionSettingKeepsTheLastGoodOneAndNeverTouchesThePassword() {
        values.put("sessionTimeoutMinutes", 5);
        ConsoleLogin login = login(); // ConfigAdmin fails the test if the password were generated or stored again
        values.put("sessionTimeoutMinutes", 0);
        login.modified(config(), values);
        Answer first = new Answer();
        login.authenticate(request(basic("admin", "right password"), null), first.response);
        String cookie = sessionCookie(first);
        clock.addAndGet(Duration.ofMinutes(4).toNanos());
        assertEquals("admin", login.authenticate(request(null, cookie), new Answer().response));
        clock.addAndGet(Duration.ofMinutes(5).toNanos());
        assertNull(login.authenticate(request(null, cookie), new Answer().response), "still 5 minutes idle, not 0 nor the default 30");
    }

    @Test
    void aWrongUserNameCostsThePasswordCheckAWrongPasswordCosts() {
        ConsoleLogin login = login();
        assertNull(login.authenticate(request(basic("root", "right password"), null), new Answer().response));
        assertEquals(1, login.passwordChecks.get(), "answered no sooner than a wrong password: no user name is told apart");
        assertEquals(List.of(Duration.ofSeconds(1)), pauses);
    }

    @Test
    void aLoggedUserNameCannotForgeALogLine() {
        assertEquals("admin?INFO forged", Printable.text("admin\nINFO forged"));
    }
}
