package org.carrier.admin.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;

import org.apache.felix.webconsole.spi.SecurityProvider;
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

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The web console's login. The console is told (framework property
 * {@code felix.webconsole.security.providers=carrier}) to require this provider, so its built-in
 * admin/admin login never applies. With no password configured, one is generated at first start,
 * stored hashed in this component's configuration file and shown once in the log.
 * A password written in clear into the file is replaced by its hash. Without its configuration file the
 * console stays locked: no login is offered at all.
 */
@Component(service = SecurityProvider.class, configurationPid = ConsoleLogin.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = SecurityProvider.PROPERTY_ID + "=carrier")
@Designate(ocd = ConsoleLogin.Config.class)
public class ConsoleLogin implements SecurityProvider {
    static final String PID = "org.carrier.admin.console";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleLogin.class);

    @ObjectClassDefinition(name = "Carrier web console login",
            description = "Who may use the web console. Leave the password empty to have one generated (shown once in the log).")
    public @interface Config {
        @AttributeDefinition(name = "User name")
        String username() default "admin";

        @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD,
                description = "Stored as a salted PBKDF2 hash; a password entered in clear is hashed on save.")
        String password() default "";

        @AttributeDefinition(name = "Realm", description = "The HTTP Basic authentication realm shown by browsers.")
        String realm() default "Carrier";
    }

    private final ConfigurationAdmin configAdmin;
    private volatile Config config;

    @Activate
    public ConsoleLogin(@Reference ConfigurationAdmin configAdmin, Config config, BundleContext context) {
        this.configAdmin = configAdmin;
        this.config = config;
        storeHashedPassword(config);
        LOG.info("web console on http://{}:{}/system/console (user {})",
                property(context, "org.apache.felix.http.host", "127.0.0.1"),
                property(context, "org.osgi.service.http.port", "8080"), config.username());
    }

    @Modified
    void modified(Config changed) {
        this.config = changed;
        storeHashedPassword(changed);
    }

    private void storeHashedPassword(Config current) {
        String password = current.password();
        if (PasswordHash.isHashed(password)) {
            return;
        }
        boolean generated = password.isEmpty();
        String clear = generated ? PasswordHash.randomPassword() : password;
        try {
            Configuration configuration = configAdmin.getConfiguration(PID, "?");
            Dictionary<String, Object> props = configuration.getProperties();
            if (props == null) {
                props = new Hashtable<>();
            }
            props.put("username", current.username());
            props.put("password", PasswordHash.hash(clear));
            configuration.update(props);
        } catch (IOException e) {
            LOG.error("cannot store the web console password in configuration {}: {}", PID, e.toString());
            return;
        }
        if (generated) {
            LOG.warn("web console password generated for user {}: {}  (shown only now; stored hashed in {}.cfg)",
                    current.username(), clear, PID);
        } else {
            LOG.info("web console password of user {} is now stored hashed", current.username());
        }
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        Config current = config;
        String[] credentials = PasswordHash.basicCredentials(request.getHeader("Authorization"));
        if (credentials != null && credentials[0].equals(current.username())
                && PasswordHash.matches(credentials[1], current.password())) {
            return credentials[0];
        }
        if (credentials != null) {
            LOG.warn("web console login failed for user {} from {}", credentials[0], request.getRemoteAddr());
        }
        response.setHeader("WWW-Authenticate", "Basic realm=\"" + current.realm() + "\", charset=\"UTF-8\"");
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        return null;
    }

    @Override
    public boolean authorize(Object user, String role) {
        return user != null;
    }

    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
        // Basic authentication has no server-side session to end.
    }

    private static String property(BundleContext context, String name, String fallback) {
        String value = context.getProperty(name);
        return value == null ? fallback : value;
    }
}
