package org.carrier.admin.internal.console;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.carrier.admin.internal.overview.Setting;
import org.carrier.admin.internal.overview.SettingSources;
import org.carrier.admin.internal.overview.Settings;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.MetaTypeService;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;

/**
 * The Settings page: what {@code carrier:config} prints, as a table (every setting in force, those that differ from
 * their defaults, or the defaults; secrets masked), each PID linked to its form in the Configuration page. Read only;
 * {@code settings.json?show=changed} gives the same rows to a script.
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + SettingsPage.LABEL,
        "felix.webconsole.title=Settings",
        "felix.webconsole.category=" + ConsolePage.CATEGORY})
public class SettingsPage extends ConsolePage {
    static final String LABEL = "carrier-settings";
    private static final long serialVersionUID = 1L;

    /** The views, by the value of the {@code show} parameter: carrier:config, -n and -d. */
    enum View {
        ALL("all", "All in force", Settings.View.IN_FORCE), CHANGED("changed", "Changed from the defaults (-n)", Settings.View.CHANGED),
        DEFAULTS("defaults", "Defaults (-d)", Settings.View.DEFAULTS);

        final String parameter;
        final String title;
        final Settings.View shows;

        View(String parameter, String title, Settings.View shows) {
            this.parameter = parameter;
            this.title = title;
            this.shows = shows;
        }

        static View of(String parameter) {
            for (View view : values()) {
                if (view.parameter.equals(parameter)) {
                    return view;
                }
            }
            if (parameter == null || parameter.isEmpty()) {
                return ALL;
            }
            throw new IllegalArgumentException("show must be all, changed or defaults, not " + parameter);
        }
    }

    private final transient BundleContext context;
    private final transient ConfigurationAdmin configAdmin;
    private final transient MetaTypeService metaType;

    @Activate
    public SettingsPage(BundleContext context, @Reference ConfigurationAdmin configAdmin, @Reference MetaTypeService metaType) {
        super(LABEL);
        this.context = context;
        this.configAdmin = configAdmin;
        this.metaType = metaType;
    }

    @Override
    Outcome act(HttpServletRequest request) {
        return Outcome.refused("the Settings page changes nothing: edit a setting in the Configuration page or in config/");
    }

    @Override
    Optional<Object> data(String name, HttpServletRequest request) {
        if (!name.equals("settings")) {
            return Optional.empty();
        }
        return Optional.of(settings(View.of(request.getParameter("show"))).stream().map(SettingsPage::row).toList());
    }

    @Override
    void renderPage(HttpServletRequest request, PrintWriter out) {
        View view;
        try {
            view = View.of(request.getParameter("show"));
        } catch (IllegalArgumentException e) {
            out.println("<p class='carrier-refused'>" + Html.text(e.getMessage()) + "</p>");
            view = View.ALL;
        }
        String configMgr = request.getAttribute("felix.webconsole.appRoot") + "/configMgr/";
        out.println("<h2>Settings</h2>");
        out.println("<p>Every Carrier setting in force, as <code>carrier:config</code> prints it in the shell; keys not set"
                + " show their defaults. Passwords are masked. Read only: change a setting in the Configuration page or in"
                + " <code>config/</code>.</p>");
        out.print("<p id='settings-views'>");
        for (View v : View.values()) {
            out.print(v == view ? "<strong>" + Html.text(v.title) + "</strong> "
                    : "<a href='?show=" + v.parameter + "'>" + Html.text(v.title) + "</a> ");
        }
        out.println("</p>");
        out.println("<table class='tablelayout carrier-table' id='settings'><thead><tr><th>PID</th><th>Key</th><th>Value</th>"
                + "<th>Default</th></tr></thead><tbody>");
        for (Setting s : settings(view)) {
            out.println("<tr" + (s.differs() ? " class='changed'" : "") + "><td><a href='" + Html.attr(configMgr + Html.query(s.pid()))
                    + "'>" + Html.text(s.pid()) + "</a></td><td>" + Html.text(s.key()) + "</td><td class='setting-value'>"
                    + Html.text(s.shownValue()) + "</td><td>" + Html.text(s.shownDefault()) + "</td></tr>");
        }
        out.println("</tbody></table>");
    }

    private List<Setting> settings(View view) {
        return SettingSources.settings(view.shows, context, configAdmin, metaType);
    }

    private static Map<String, Object> row(Setting s) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("pid", s.pid());
        row.put("key", s.key());
        row.put("value", s.shownValue());
        row.put("default", s.defaultValue() == null ? null : s.shownDefault());
        row.put("set", s.set());
        return row;
    }
}
