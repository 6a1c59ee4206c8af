package org.carrier.admin.internal.console;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.carrier.admin.internal.Proxies;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * Test doubles at the boundaries the console pages talk to: the servlet container (request, response, session) and
 * ConfigAdmin, each answering only what the pages use (anything else fails the test loudly).
 */
final class Fakes {
    private Fakes() {
    }

    /** A request: method, headers and parameters as given; one session shared by the requests made with it. */
    static final class Browser {
        final Map<String, Object> session = new HashMap<>();
        private final HttpSession httpSession = proxy(HttpSession.class, (name, args) -> switch (name) {
            case "getAttribute" -> session.get((String) args[0]);
            case "setAttribute" -> session.put((String) args[0], args[1]);
            case "removeAttribute" -> session.remove((String) args[0]);
            default -> null;
        });
        boolean hasSession;

        HttpServletRequest request(String method, Map<String, String> headers, Map<String, List<String>> params) {
            return proxy(HttpServletRequest.class, (name, args) -> switch (name) {
                case "getMethod" -> method;
                case "getHeader" -> headers.get((String) args[0]);
                case "getParameter" -> params.containsKey((String) args[0]) ? params.get((String) args[0]).get(0) : null;
                case "getParameterValues" -> params.containsKey((String) args[0]) ? params.get((String) args[0]).toArray(new String[0]) : null;
                case "getSession" -> {
                    boolean create = args == null || (Boolean) args[0];
                    hasSession |= create;
                    yield hasSession ? httpSession : null;
                }
                case "getScheme" -> "http";
                case "getRequestURI" -> "/system/console/test";
                case "getRemoteAddr" -> "127.0.0.1";
                case "getPathInfo" -> "/test";
                case "getAttribute" -> "felix.webconsole.pluginRoot".equals(args[0]) ? "/system/console/test" : null;
                default -> throw new UnsupportedOperationException("request." + name);
            });
        }
    }

    /** A response that keeps its status, headers and body. */
    static final class Response {
        int status = 200;
        final Map<String, String> headers = new LinkedHashMap<>();
        final StringWriter body = new StringWriter();
        final HttpServletResponse response = proxy(HttpServletResponse.class, (name, args) -> switch (name) {
            case "setStatus" -> {
                status = (Integer) args[0];
                yield null;
            }
            case "setHeader" -> headers.put((String) args[0], (String) args[1]);
            case "setContentType" -> headers.put("Content-Type", (String) args[0]);
            case "setCharacterEncoding" -> null;
            case "getWriter" -> new PrintWriter(body, true);
            default -> throw new UnsupportedOperationException("response." + name);
        });
    }

    /** ConfigAdmin holding factory configurations in memory. */
    static final class ConfigStore {
        final Map<String, Hashtable<String, Object>> configurations = new LinkedHashMap<>();
        final List<String> changes = new ArrayList<>();
        final ConfigurationAdmin admin = proxy(ConfigurationAdmin.class, (name, args) -> switch (name) {
            case "listConfigurations" -> configurations.isEmpty() ? null
                    : configurations.keySet().stream().map(this::configuration).toArray(Configuration[]::new);
            case "getFactoryConfiguration" -> configuration(args[0] + "~" + args[1]);
            default -> throw new UnsupportedOperationException("configAdmin." + name);
        });

        /** Stores a route as FileInstall would load it from {@code org.carrier.route-NAME.cfg}. */
        void route(String name, String domains, int order) {
            Hashtable<String, Object> p = new Hashtable<>();
            p.put("service.pid", RouteStore.FACTORY_PID + "~" + name);
            p.put("service.factoryPid", RouteStore.FACTORY_PID);
            p.put("name", name);
            p.put("domains", domains);
            p.put("transport", "mx");
            p.put("order", String.valueOf(order));
            p.put("felix.fileinstall.filename", "file:/nonexistent/config/org.carrier.route-" + name + ".cfg");
            configurations.put(RouteStore.FACTORY_PID + "~" + name, p);
        }

        private Configuration configuration(String pid) {
            return proxy(Configuration.class, (name, args) -> switch (name) {
                case "getPid" -> pid;
                case "getProperties" -> configurations.containsKey(pid) ? new Hashtable<>(configurations.get(pid)) : null;
                case "update" -> {
                    @SuppressWarnings("unchecked")
                    Dictionary<String, Object> d = (Dictionary<String, Object>) args[0];
                    Hashtable<String, Object> copy = new Hashtable<>();
                    for (String key : java.util.Collections.list(d.keys())) {
                        copy.put(key, d.get(key));
                    }
                    configurations.put(pid, copy);
                    changes.add("update " + pid);
                    yield null;
                }
                case "delete" -> {
                    configurations.remove(pid);
                    changes.add("delete " + pid);
                    yield null;
                }
                default -> throw new UnsupportedOperationException("configuration." + name);
            });
        }
    }

    static <T> T proxy(Class<T> type, Proxies.Answer answer) {
        return Proxies.proxy(type, answer);
    }
}
