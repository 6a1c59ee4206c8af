package org.carrier.admin.internal.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import jakarta.servlet.http.HttpServletRequest;

/** The request handling every page shares: the CSRF token first (the origin is SameOriginGuard's), then the action, answered as JSON or by a redirect. */
class ConsolePageTest {
    private static final String ORIGIN = "http://127.0.0.1:8080";

    private final List<String> acted = new ArrayList<>();
    private final ConsolePage page = new ConsolePage("test") {
        @Override
        void renderPage(HttpServletRequest request, PrintWriter out) {
            out.println("<p>page</p>");
        }

        @Override
        Outcome act(HttpServletRequest request) {
            acted.add(request.getParameter("action"));
            if ("bad".equals(request.getParameter("action"))) {
                throw new IllegalArgumentException("bad input: nothing changed");
            }
            return Outcome.done("did " + request.getParameter("action"));
        }
    };
    private final Fakes.Browser browser = new Fakes.Browser();

    private String tokenFromPage() throws Exception {
        Fakes.Response r = new Fakes.Response();
        page.doGet(browser.request("GET", Map.of(), Map.of()), r.response);
        String html = r.body.toString();
        int at = html.indexOf("data-csrf='") + "data-csrf='".length();
        return html.substring(at, html.indexOf('\'', at));
    }

    private Fakes.Response post(Map<String, String> headers, Map<String, List<String>> params) throws Exception {
        Fakes.Response r = new Fakes.Response();
        page.doPost(browser.request("POST", headers, params), r.response);
        return r;
    }

    @Test
    void aFetchWithTokenAndOriginIsCarriedOutAndAnsweredWithJson() throws Exception {
        String token = tokenFromPage();
        Fakes.Response r = post(Map.of("Host", "127.0.0.1:8080", "Origin", ORIGIN, "Accept", "application/json",
                CsrfGuard.HEADER, token), Map.of("action", List.of("hold")));
        assertEquals(200, r.status);
        assertEquals("{\"ok\":true,\"message\":\"did hold\"}", r.body.toString());
        assertEquals(List.of("hold"), acted);
    }

    @Test
    void aFormPostIsRedirectedBackAndTheOutcomeShownOnce() throws Exception {
        String token = tokenFromPage();
        Fakes.Response r = post(Map.of("Host", "127.0.0.1:8080", "Referer", ORIGIN + "/system/console/test"),
                Map.of("action", List.of("save"), CsrfGuard.FIELD, List.of(token)));
        assertEquals(303, r.status);
        assertEquals("/system/console/test", r.headers.get("Location"));
        Fakes.Response shown = new Fakes.Response();
        page.doGet(browser.request("GET", Map.of(), Map.of()), shown.response);
        assertTrue(shown.body.toString().contains("id='carrier-outcome'>did save</p>"), shown.body.toString());
        Fakes.Response again = new Fakes.Response();
        page.doGet(browser.request("GET", Map.of(), Map.of()), again.response);
        assertTrue(!again.body.toString().contains("carrier-outcome"), "shown once");
    }

    @Test
    void aForgedPostIsRefusedBeforeTheActionRuns() throws Exception {
        tokenFromPage();
        Fakes.Response tokenless = post(Map.of("Host", "127.0.0.1:8080", "Origin", ORIGIN, "Accept", "application/json"),
                Map.of("action", List.of("delete")));
        assertEquals(403, tokenless.status);
        assertTrue(tokenless.body.toString().contains("token"), tokenless.body.toString());
        Fakes.Response guessed = post(Map.of("Host", "127.0.0.1:8080", "Origin", ORIGIN, "Accept", "application/json",
                CsrfGuard.HEADER, "guess"), Map.of("action", List.of("delete")));
        assertEquals(403, guessed.status);
        assertTrue(acted.isEmpty(), "nothing was done: " + acted);
    }

    @Test
    void aRefusedFormPostIsAnswered403NotRedirected() throws Exception {
        tokenFromPage(); // the session exists: before, a refusal was then redirected (303) to the page with a flash
        Fakes.Response r = post(Map.of("Host", "127.0.0.1:8080", "Referer", ORIGIN + "/system/console/test"),
                Map.of("action", List.of("save"), CsrfGuard.FIELD, List.of("guess")));
        assertEquals(403, r.status);
        assertEquals(null, r.headers.get("Location"));
        assertTrue(r.body.toString().contains("Nothing was changed: the form&#39;s security token is missing"), r.body.toString());
        assertTrue(acted.isEmpty(), "nothing was done: " + acted);
    }

    @Test
    void aPostWithoutSessionIsRefused() throws Exception {
        Fakes.Response r = post(Map.of("Host", "127.0.0.1:8080", "Origin", ORIGIN), Map.of("action", List.of("delete"), "csrf", List.of("guess")));
        assertEquals(403, r.status);
        assertTrue(acted.isEmpty());
    }

    @Test
    void badInputIsAnsweredWithItsMessage() throws Exception {
        String token = tokenFromPage();
        Fakes.Response r = post(Map.of("Host", "127.0.0.1:8080", "Origin", ORIGIN, "Accept", "application/json", CsrfGuard.HEADER, token),
                Map.of("action", List.of("bad")));
        assertEquals(400, r.status);
        assertEquals("{\"ok\":false,\"message\":\"bad input: nothing changed\"}", r.body.toString());
    }
}
