package org.carrier.admin.internal.console;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.carrier.admin.internal.overview.Ages;
import org.carrier.admin.internal.overview.QueueSummary;
import org.carrier.api.queue.DeliveryState;
import org.carrier.api.queue.QueueFilter;
import org.carrier.api.queue.QueueOperations;
import org.carrier.api.queue.QueuedMessage;
import org.carrier.api.queue.RecipientStatus;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The Queue page: counts by state and by destination domain, a filterable list of the messages, one message's
 * envelope, recipients and header, and hold, release, delete and retry now. The page's script (res/carrier/console.js)
 * fills it from {@code summary.json}, {@code messages.json} and {@code message.json} and refreshes it every few seconds
 * without reloading; its actions are POSTs answered with JSON.
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + QueuePage.LABEL,
        "felix.webconsole.title=Queue",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class QueuePage extends ConsolePage {
    static final String LABEL = "carrier-queue";
    public static final int HEADER_BYTES = 64 * 1024;
    private static final long serialVersionUID = 1L;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile QueueOperations queue;

    public QueuePage() {
        super(LABEL);
    }

    @Override
    Outcome act(HttpServletRequest request) {
        String[] ids = request.getParameterValues("id");
        return QueueActions.apply(running(), field(request, "action"), ids == null ? List.of() : Arrays.asList(ids),
                field(request, "domain"));
    }

    private QueueOperations running() {
        QueueOperations current = queue;
        if (current == null) {
            throw new IllegalArgumentException("the queue is not running");
        }
        return current;
    }

    @Override
    Optional<Object> data(String name, HttpServletRequest request) {
        return switch (name) {
            case "messages" -> Optional.of(messages(running(), QueueQuery.filter(request::getParameter), Instant.now()));
            case "message" -> Optional.of(running().show(field(request, "id"))
                    .<Object>map(m -> detail(m, running().headerSection(m.queueId(), HEADER_BYTES).orElse(""), Instant.now()))
                    .orElseGet(() -> Map.of("gone", true, "id", field(request, "id"))));
            default -> Optional.empty();
        };
    }

    /** The list the page shows, with the summary of the whole queue (not only of what the filter lets through). */
    public static Map<String, Object> messages(QueueOperations queue, QueueFilter filter, Instant now) {
        List<QueuedMessage> all = queue.list(QueueFilter.any());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (QueuedMessage m : all) {
            if (filter.matches(m, now) && rows.size() < filter.limit()) {
                rows.add(row(m, now));
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("summary", summary(QueueSummary.of(all)));
        answer.put("messages", rows);
        answer.put("matching", all.stream().filter(m -> filter.matches(m, now)).count());
        return answer;
    }

    public static Map<String, Object> summary(QueueSummary s) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("messages", s.messages());
        answer.put("held", s.held());
        answer.put("messagesByState", states(s.messagesByState()));
        answer.put("recipientsByState", states(s.recipientsByState()));
        List<Map<String, Object>> domains = new ArrayList<>();
        for (QueueSummary.DomainCount d : s.domains()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("domain", d.domain());
            row.put("messages", d.messages());
            row.put("waiting", d.waiting());
            row.put("recipients", states(d.recipientsByState()));
            domains.add(row);
        }
        answer.put("domains", domains);
        return answer;
    }

    private static Map<String, Object> states(Map<DeliveryState, Integer> counts) {
        Map<String, Object> answer = new LinkedHashMap<>();
        counts.forEach((state, n) -> answer.put(state.name().toLowerCase(Locale.ROOT), n));
        return answer;
    }

    private static Map<String, Object> row(QueuedMessage m, Instant now) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", m.queueId());
        row.put("arrival", m.arrival().toString());
        row.put("age", Ages.describe(Duration.between(m.arrival(), now)));
        row.put("from", m.envelope().reversePath().toString());
        row.put("size", m.size());
        row.put("held", m.held());
        row.put("recipients", m.recipients().stream().map(r -> recipient(r, false)).toList());
        return row;
    }

    /** A recipient's address and state; {@code full}: with its attempts, next attempt and last reply. */
    private static Map<String, Object> recipient(RecipientStatus r, boolean full) {
        Map<String, Object> rcpt = new LinkedHashMap<>();
        rcpt.put("address", r.recipient().address().toString());
        rcpt.put("state", r.state().name().toLowerCase(Locale.ROOT));
        if (full) {
            rcpt.put("attempts", r.attempts());
            rcpt.put("nextAttempt", r.nextAttempt() == null ? "" : r.nextAttempt().toString());
            rcpt.put("lastReply", r.lastReply() == null ? "" : r.lastReply().toString());
            rcpt.put("lastRemote", r.lastRemote() == null ? "" : r.lastRemote());
        }
        return rcpt;
    }

    public static Map<String, Object> detail(QueuedMessage m, String header, Instant now) {
        Map<String, Object> detail = row(m, now);
        detail.put("parameters", m.envelope().mailParameters());
        detail.put("recipients", m.recipients().stream().map(r -> recipient(r, true)).toList());
        detail.put("header", header);
        return detail;
    }

    @Override
    void renderPage(HttpServletRequest request, PrintWriter out) {
        out.println("<h2>Queue</h2>");
        out.println("<div id='carrier-queue'>");
        out.println("<div id='queue-summary' class='carrier-summary'><p>Loading&hellip;</p></div>");
        out.println("<form id='queue-filter' class='carrier-form carrier-row'>"
                + filterSelect(request, "state", "State", List.of("", "any", "pending", "pending", "deferred", "deferred",
                        "delivered", "delivered", "failed", "failed"))
                + filterSelect(request, "held", "Held", List.of("", "any", "yes", "held", "no", "not held"))
                + filterInput(request, "sender", "Sender", "text in the sender; <> for bounces")
                + filterInput(request, "recipient", "Recipient", "text in a recipient")
                + filterInput(request, "domain", "Domain", "a waiting recipient's domain")
                + filterInput(request, "minAge", "Older than", "e.g. 10m, 2h, 3d")
                + filterInput(request, "maxAge", "Younger than", "e.g. 10m, 2h, 3d")
                + "<button type='submit'>Filter</button> <button type='reset' id='queue-filter-clear'>Clear</button></form>");
        out.println("<div class='carrier-row' id='queue-bulk'>Selected: "
                + "<button type='button' data-queue-action='hold'>Hold</button>"
                + "<button type='button' data-queue-action='release'>Release</button>"
                + "<button type='button' data-queue-action='retry'>Retry now</button>"
                + "<button type='button' data-queue-action='delete' data-confirm='Delete the selected messages? They are not delivered and no bounce is sent.'>Delete</button>"
                + " &nbsp; <button type='button' id='queue-retry-all' data-queue-action='retry-all'>Retry all now (flush)</button>"
                + " <span id='queue-status' class='carrier-hint'></span></div>");
        out.println("<p id='queue-message' class='carrier-done' hidden='hidden'></p>");
        out.println("<table class='tablelayout carrier-table' id='queue-list'><thead><tr><th><input type='checkbox' id='queue-all' title='select all'/></th>"
                + "<th>ID</th><th>Age</th><th>Sender</th><th>Recipients</th><th>Size</th><th>Held</th></tr></thead>"
                + "<tbody><tr><td colspan='7'>Loading&hellip;</td></tr></tbody></table>");
        out.println("<div id='queue-detail' hidden='hidden'></div>");
        out.println("</div>");
    }

    /** A select of the filter, preset from the request (a link to the page may carry a filter); options as value, label pairs. */
    private static String filterSelect(HttpServletRequest request, String name, String label, List<String> options) {
        StringBuilder sb = new StringBuilder("<label>" + label + " <select name='" + name + "'>");
        for (int i = 0; i < options.size(); i += 2) {
            sb.append("<option value='").append(options.get(i)).append('\'')
                    .append(options.get(i).equals(field(request, name)) ? " selected='selected'" : "")
                    .append('>').append(options.get(i + 1)).append("</option>");
        }
        return sb.append("</select></label>").toString();
    }

    private static String filterInput(HttpServletRequest request, String name, String label, String hint) {
        return "<label>" + label + " <input type='text' size='14' name='" + name + "' value='" + Html.attr(field(request, name))
                + "' placeholder='" + Html.attr(hint) + "'/></label>";
    }
}
