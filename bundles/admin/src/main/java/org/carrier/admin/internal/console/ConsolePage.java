package org.carrier.admin.internal.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.carrier.api.text.Json;

/**
 * What the Carrier console pages share. The web console frames a page's HTML (GET without an extension) with its
 * header and menu; a GET of {@code NAME.json} below the page answers data for the page's script, and a POST is an
 * action: its token checked by {@link CsrfGuard} first (refused with 403; {@link SameOriginGuard} has checked its
 * origin before), then answered with JSON (for fetch()) or with a redirect back to the page, which shows the
 * outcome once (post/redirect/get, so a reload repeats nothing).
 */
abstract class ConsolePage extends HttpServlet {
    static final String CATEGORY = "Carrier";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ConsolePage.class);
    private static final String FLASH = ConsolePage.class.getName() + ".flash";

    /** What an action did, shown to the user; {@code ok} false for a refusal (nothing was changed). */
    record Outcome(boolean ok, String message) {
        static Outcome done(String message) {
            return new Outcome(true, message);
        }

        static Outcome refused(String message) {
            return new Outcome(false, message);
        }
    }

    private final String label;

    ConsolePage(String label) {
        this.label = label;
    }

    /** Writes the page's HTML, inside the web console's frame. */
    abstract void renderPage(HttpServletRequest request, PrintWriter out) throws IOException;

    /** The answer to {@code GET NAME.json}, or empty for an unknown name. */
    Optional<Object> data(String name, HttpServletRequest request) {
        return Optional.empty();
    }

    /** Carries out the action a POST asks for; nothing changes when it is refused. */
    abstract Outcome act(HttpServletRequest request) throws IOException;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String sub = subPath(request);
        if (sub.endsWith(".json")) {
            Optional<Object> answer;
            try {
                answer = data(sub.substring(0, sub.length() - ".json".length()), request);
            } catch (IllegalArgumentException e) {
                json(response, HttpServletResponse.SC_BAD_REQUEST, Map.of("ok", false, "message", e.getMessage()));
                return;
            }
            if (answer.isEmpty()) {
                response.sendError(HttpServletResponse.SC_NOT_FOUND);
            } else {
                json(response, HttpServletResponse.SC_OK, answer.get());
            }
            return;
        }
        PrintWriter out = response.getWriter();
        out.println("<link rel='stylesheet' href='" + Html.attr(pluginRoot(request)) + "/res/carrier/console.css'/>");
        out.println("<div class='carrier' data-csrf='" + Html.attr(CsrfGuard.token(request)) + "' data-root='"
                + Html.attr(pluginRoot(request)) + "'>");
        flash(request).ifPresent(o -> out.println("<p class='carrier-" + (o.ok() ? "done" : "refused") + "' id='carrier-outcome'>"
                + Html.text(o.message()) + "</p>"));
        renderPage(request, out);
        out.println("</div>");
        out.println("<script src='" + Html.attr(pluginRoot(request)) + "/res/carrier/console.js'></script>");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<String> refusal = CsrfGuard.refusal(request);
        if (refusal.isPresent()) {
            LOG.warn("web console: refused a {} {} from {}: {}", request.getMethod(), request.getRequestURI(),
                    request.getRemoteAddr(), refusal.get());
            refuse(request, response, refusal.get());
            return;
        }
        Outcome outcome;
        try {
            outcome = act(request);
        } catch (IllegalArgumentException e) {
            outcome = Outcome.refused(e.getMessage());
        }
        LOG.info("web console {}: {}", label, outcome.message());
        if (wantsJson(request)) {
            json(response, outcome.ok() ? HttpServletResponse.SC_OK : HttpServletResponse.SC_BAD_REQUEST, answer(outcome));
        } else {
            request.getSession(true).setAttribute(FLASH, outcome);
            response.setStatus(HttpServletResponse.SC_SEE_OTHER);
            response.setHeader("Location", pluginRoot(request) + afterAction(request, outcome));
        }
    }

    /**
     * 403 for a request that did not prove it comes from a console page of this session: JSON for a script, a short
     * page with a link back for a form (a redirect would hide the refusal from whoever sent it).
     */
    private void refuse(HttpServletRequest request, HttpServletResponse response, String reason) throws IOException {
        if (wantsJson(request)) {
            json(response, HttpServletResponse.SC_FORBIDDEN, answer(Outcome.refused(reason)));
            return;
        }
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("text/html");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write("<!DOCTYPE html><title>Refused</title><p id='carrier-outcome' class='carrier-refused'>"
                + Html.text("Nothing was changed: " + reason) + "</p><p><a href='" + Html.attr(pluginRoot(request)) + "'>Back to the page</a></p>");
    }

    /** Where the browser goes after a form's action, relative to the page (e.g. back to an edit form after a refusal). */
    String afterAction(HttpServletRequest request, Outcome outcome) {
        return "";
    }

    /** The JSON answer to a page's script: {@code {"ok": ..., "message": ...}}. */
    static Map<String, Object> answer(Outcome outcome) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("ok", outcome.ok());
        answer.put("message", outcome.message());
        return answer;
    }

    private static boolean wantsJson(HttpServletRequest request) {
        String accept = request.getHeader("Accept");
        return accept != null && accept.startsWith("application/json");
    }

    private static Optional<Outcome> flash(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session == null) {
            return Optional.empty();
        }
        Object outcome = session.getAttribute(FLASH);
        session.removeAttribute(FLASH);
        return outcome instanceof Outcome o ? Optional.of(o) : Optional.empty();
    }

    /** The page's own URL path, e.g. {@code /system/console/carrier-routes}. */
    String pluginRoot(HttpServletRequest request) {
        Object root = request.getAttribute("felix.webconsole.pluginRoot");
        return root != null ? root.toString() : request.getContextPath() + request.getServletPath() + "/" + label;
    }

    /** What follows the page's label in the path: {@code ""} for the page itself, else e.g. {@code messages.json}. */
    private String subPath(HttpServletRequest request) {
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        String prefix = "/" + label;
        String rest = path.startsWith(prefix) ? path.substring(prefix.length()) : path;
        return rest.startsWith("/") ? rest.substring(1) : rest;
    }

    private static void json(HttpServletResponse response, int status, Object value) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(Json.write(value));
    }

    /** A form field, trimmed; empty when absent. */
    static String field(HttpServletRequest request, String name) {
        String value = request.getParameter(name);
        return value == null ? "" : value.trim();
    }

    /** The hidden field every form carries for {@link CsrfGuard}. */
    static String tokenField(HttpServletRequest request) {
        return "<input type='hidden' name='" + CsrfGuard.FIELD + "' value='" + Html.attr(CsrfGuard.token(request)) + "'/>";
    }
}
