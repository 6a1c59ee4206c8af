package org.carrier.admin.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.apache.felix.webconsole.spi.SecurityProvider;
import org.carrier.api.auth.PasswordHash;
import org.carrier.api.config.ConfigGuard;
import org.carrier.api.config.ConfigProblem;
import org.carrier.api.file.FileModes;
import org.carrier.api.net.ClientNetwork;
import org.carrier.api.net.IpNetwork;
import org.carrier.api.text.Printable;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The web console's login. The console is told (framework property
 * {@code felix.webconsole.security.providers=carrier}) to require this provider, so its built-in
 * admin/admin login never applies. With no password configured, one is generated at first start,
 * stored hashed in this component's configuration file and written to the owner-only file
 * {@code data/console-password} (never to the log). A password written in clear into the configuration is
 * replaced by its hash. Without its configuration file the console stays locked: no login is offered at all.
 * <p>
 * The password is checked once per login (HTTP Basic, RFC 7617); the browser then gets a session cookie, so the
 * pages' polling does not derive the PBKDF2 hash again for each request. Failed logins from one address are
 * answered later each time ({@link LoginBackoff}).
 */
@Component(service = SecurityProvider.class, configurationPid = ConsoleLogin.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = SecurityProvider.PROPERTY_ID + "=carrier")
@Designate(ocd = ConsoleLogin.Config.class)
public class ConsoleLogin implements SecurityProvider {
    static final String PID = "org.carrier.admin.console";
    /** The session cookie's name. */
    static final String COOKIE = "carrier-console";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleLogin.class);

    @ObjectClassDefinition(name = "Carrier web console login",
            description = "Who may use the web console. Leave the password empty to have one generated (written to data/console-password).")
    public @interface Config {
        @AttributeDefinition(name = "User name")
        String username() default "admin";

        @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD,
                description = "Stored as a salted PBKDF2 hash; a password entered in clear is hashed on save.")
        String password() default "";

        @AttributeDefinition(name = "Realm", description = "The HTTP Basic authentication realm shown by browsers.")
        String realm() default "Carrier";

        @AttributeDefinition(name = "Session idle timeout (minutes)",
                description = "A login session unused for this long ends; the browser then logs in again.")
        int sessionTimeoutMinutes() default 30;

        @AttributeDefinition(name = "Session lifetime (hours)",
                description = "A login session ends this long after the login, however much it is used.")
        int sessionMaxHours() default 12;
    }

    /**
     * The session timeouts a configuration gives. Only these are checked: a refused value must never put the
     * defaults' empty password in force, which would generate a new one.
     */
    record SessionLimits(Duration idle, Duration max) {
        static SessionLimits of(Config config) {
            return new SessionLimits(
                    Duration.ofMinutes(ConfigProblem.atLeast("sessionTimeoutMinutes", config.sessionTimeoutMinutes(), 1)),
                    Duration.ofHours(ConfigProblem.atLeast("sessionMaxHours", config.sessionMaxHours(), 1)));
        }
    }

    /** How many times a password was checked (PBKDF2 derived): what a session saves. For tests. */
    final AtomicLong passwordChecks = new AtomicLong();

    private final ConfigurationAdmin configAdmin;
    private final GeneratedPassword generatedPassword;
    private final ConfigGuard<Config, SessionLimits> guard = new ConfigGuard<>(Config.class, "the web console login", LOG::error);
    private final ConsoleSessions sessions;
    private final LoginBackoff backoff;
    private final Consumer<Duration> pause;
    private volatile Config config;

    @Activate
    public ConsoleLogin(@Reference ConfigurationAdmin configAdmin, Config config, Map<String, Object> properties, BundleContext context) {
        this(configAdmin, config, properties, new GeneratedPassword(passwordFile(context), Boolean.getBoolean("carrier.terminal")),
                ConsoleLogin::sleep, System::nanoTime);
        LOG.info("web console on http://{}:{}/system/console (user {})",
                property(context, "org.apache.felix.http.host", "127.0.0.1"),
                property(context, "org.osgi.service.http.port", "8080"), config.username());
    }

    ConsoleLogin(ConfigurationAdmin configAdmin, Config config, Map<String, Object> properties,
                 GeneratedPassword generatedPassword, Consumer<Duration> pause, LongSupplier nanoClock) {
        this.configAdmin = configAdmin;
        this.generatedPassword = generatedPassword;
        this.pause = pause;
        this.config = config;
        SessionLimits limits = guard.apply(config, properties, SessionLimits::of);
        this.sessions = new ConsoleSessions(nanoClock, limits.idle(), limits.max());
        this.backoff = new LoginBackoff(nanoClock);
        storeHashedPassword(config);
        warnIfSecretsAreOpen(config, properties);
    }

    @Modified
    void modified(Config changed, Map<String, Object> properties) {
        Config before = config;
        config = changed;
        SessionLimits limits = guard.apply(changed, properties, SessionLimits::of);
        sessions.limits(limits.idle(), limits.max());
        if (!changed.username().equals(before.username()) || !changed.password().equals(before.password())) {
            sessions.closeAll(); // a changed login ends the sessions of the old one (OWASP: renew on credential change)
        }
        storeHashedPassword(changed);
        warnIfSecretsAreOpen(changed, properties);
    }

    /** A password (hash) other local users can read is one they can try offline: one WARN per file (issue 19). */
    private void warnIfSecretsAreOpen(Config current, Map<String, Object> properties) {
        Object file = properties == null ? null : properties.get(FileInstallFilenameKeeper.FILENAME);
        if (file != null && !current.password().isEmpty()) {
            // FileInstall names it as a URL (file:/...), or as a path in older versions
            Path cfg = Path.of(String.valueOf(file).replaceFirst("^file:", ""));
            FileModes.exposedSecret(cfg, "the web console password").ifPresent(LOG::warn);
        }
        FileModes.exposedSecret(generatedPassword.file(), "the generated web console password").ifPresent(LOG::warn);
    }

    private void storeHashedPassword(Config current) {
        String password = current.password();
        if (PasswordHash.isHashed(password)) {
            return;
        }
        boolean generated = password.isEmpty();
        String clear = generated ? ConsoleCredentials.randomPassword() : password;
        if (generated && !generatedPassword.write(current.username(), clear)) {
            return; // nowhere to show it: nothing is stored, so the next start tries again
        }
        try {
            Configuration configuration = configAdmin.getConfiguration(PID, "?");
            Dictionary<String, Object> props = configuration.getProperties();
            if (props == null) {
                props = new Hashtable<>();
            }
            props.put("username", current.username());
            props.put("password", PasswordHash.pbkdf2(clear.getBytes(StandardCharsets.UTF_8)));
            configuration.update(props);
        } catch (IOException e) {
            LOG.error("cannot store the web console password in configuration {}: {}", PID, e.toString());
            return;
        }
        if (!generated) {
            LOG.info("web console password of user {} is now stored hashed", current.username());
            generatedPassword.delete(); // the generated one no longer works: a file showing it would mislead
        }
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        Optional<String> sessionUser = sessions.user(sessionToken(request));
        if (sessionUser.isPresent()) {
            return sessionUser.get();
        }
        Config current = config;
        String[] credentials = ConsoleCredentials.basicCredentials(request.getHeader("Authorization"));
        String address = clientNetwork(request.getRemoteAddr());
        if (credentials != null && !backoff.waiting(address)) {
            if (matches(credentials, current)) {
                backoff.succeeded(address);
                startSession(request, response, credentials[0]);
                return credentials[0];
            }
            Duration delay = backoff.failed(address);
            LOG.warn("web console login failed for user {} from {} ({} in a row; answered after {} s, and no password from there is checked before)",
                    Printable.text(credentials[0]), address, backoff.failures(address), delay.toSeconds());
            pause.accept(delay);
        }
        response.setHeader("WWW-Authenticate", "Basic realm=\"" + current.realm() + "\", charset=\"UTF-8\"");
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        return null;
    }

    /**
     * What failed logins are counted for: the client's network as SMTP AUTH counts it ({@link ClientNetwork}: an IPv6
     * client by its /64, so that walking through its own addresses does not start the back-off again); the remote
     * address as it is when it is no IP literal.
     */
    static String clientNetwork(String remoteAddress) {
        if (remoteAddress == null) {
            return "unknown";
        }
        String literal = remoteAddress.replaceFirst("^\\[(.*)]$", "$1").replaceFirst("%.*$", "");
        try {
            return ClientNetwork.of(IpNetwork.parse(literal).address());
        } catch (IllegalArgumentException e) {
            return remoteAddress;
        }
    }

    /**
     * Whether user name and password are right. The password is checked even for a wrong user name: answering that
     * one 0.4 s sooner would tell a guesser which user names exist (OWASP authentication cheat sheet: the same
     * response, in the same time, for a wrong user and a wrong password).
     */
    private boolean matches(String[] credentials, Config current) {
        boolean user = MessageDigest.isEqual(credentials[0].getBytes(StandardCharsets.UTF_8),
                current.username().getBytes(StandardCharsets.UTF_8));
        passwordChecks.incrementAndGet();
        boolean password = PasswordHash.matches(current.password(), credentials[1].getBytes(StandardCharsets.UTF_8));
        return user && password;
    }

    /**
     * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page or link makes the
     * browser send it, RFC 6265bis §8.8), Secure when the console is reached over TLS, and without Max-Age, so
     * it ends with the browser; the server ends it earlier after the idle timeout or the session lifetime.
     */
    private void startSession(HttpServletRequest request, HttpServletResponse response, String user) {
        String token = sessions.open(user);
        response.addHeader("Set-Cookie", COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict"
                + (request.isSecure() ? "; Secure" : ""));
    }

    private static String sessionToken(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return null;
        }
        for (Cookie cookie : cookies) {
            if (COOKIE.equals(cookie.getName())) {
                return cookie.getValue();
            }
        }
        return null;
    }

    @Override
    public boolean authorize(Object user, String role) {
        return user != null;
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        sessions.close(sessionToken(request));
        response.addHeader("Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    }

    private static Path passwordFile(BundleContext context) {
        return Paths.get(Objects.requireNonNullElse(context.getProperty("carrier.data.dir"), "data"), "console-password");
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String property(BundleContext context, String name, String fallback) {
        String value = context.getProperty(name);
        return value == null ? fallback : value;
    }
}
