package org.carrier.cluster.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.carrier.api.config.ConfigProblem;

import io.lettuce.core.RedisURI;

/**
 * The settings of {@code org.carrier.cluster}, checked: where Redis is (one URI, or Sentinels and a master name),
 * how to log in, the key prefix, this node's name and the time bounds.
 *
 * @param uri            the Redis URI with the password and timeouts applied (Sentinel form when sentinels are set)
 * @param where          host and port (or the Sentinels) for log lines, without the password
 * @param keyPrefix      put in front of every key and channel, so several clusters can share one Redis
 * @param nodeName       this node's name
 * @param commandTimeout the most one call waits
 * @param connectTimeout the most one connection attempt waits
 * @param login          user name and password as configured, to see that they changed (never logged)
 */
record ClusterSettings(RedisURI uri, String where, String keyPrefix, String nodeName, Duration commandTimeout,
                       Duration connectTimeout, String login) {

    @Override
    public String toString() {
        return where + " as " + nodeName + ", prefix " + keyPrefix;
    }

    static ClusterSettings of(RedisSharedState.Config config) {
        Duration command = Duration.ofMillis(ConfigProblem.between("commandTimeoutMillis", config.commandTimeoutMillis(), 1, 60_000));
        Duration connect = Duration.ofMillis(ConfigProblem.between("connectTimeoutMillis", config.connectTimeoutMillis(), 1, 60_000));
        RedisURI uri = config.sentinels().length > 0 ? sentinelUri(config) : plainUri(config.uri());
        String password = config.password() == null ? "" : config.password();
        String user = config.username() == null ? "" : config.username();
        if (!password.isEmpty()) {
            if (user.isEmpty()) {
                uri.setAuthentication(password.toCharArray());
            } else {
                uri.setAuthentication(user, password.toCharArray());
            }
        }
        uri.setTimeout(command);
        String where = config.sentinels().length > 0
                ? "master " + config.sentinelMaster() + " of Sentinels " + String.join(", ", config.sentinels())
                : (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort();
        return new ClusterSettings(uri, where, config.keyPrefix(), nodeName(config.nodeName()), command, connect, user + '\0' + password);
    }

    private static RedisURI plainUri(String text) {
        if (text == null || text.isBlank()) {
            throw new ConfigProblem("uri", text == null ? "" : text,
                    "expected redis://HOST:PORT or rediss://HOST:PORT (TLS), or sentinels");
        }
        return ConfigProblem.check("uri", text, () -> {
            if (!text.startsWith("redis://") && !text.startsWith("rediss://")) {
                throw new IllegalArgumentException("expected redis://HOST:PORT or rediss://HOST:PORT (TLS)");
            }
            return RedisURI.create(text);
        });
    }

    private static RedisURI sentinelUri(RedisSharedState.Config config) {
        String master = config.sentinelMaster();
        if (master == null || master.isBlank()) {
            throw new ConfigProblem("sentinelMaster", master == null ? "" : master, "expected the master's name the Sentinels know");
        }
        List<String[]> hosts = new ArrayList<>();
        for (String sentinel : config.sentinels()) {
            hosts.add(ConfigProblem.check("sentinels", sentinel, () -> hostAndPort(sentinel)));
        }
        RedisURI.Builder builder = RedisURI.Builder.sentinel(hosts.get(0)[0], Integer.parseInt(hosts.get(0)[1]), master);
        for (String[] host : hosts.subList(1, hosts.size())) {
            builder.withSentinel(host[0], Integer.parseInt(host[1]));
        }
        return builder.build();
    }

    private static String[] hostAndPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected HOST:PORT");
        }
        int port = Integer.parseInt(text.substring(colon + 1));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("expected a port from 1 to 65535");
        }
        return new String[] {text.substring(0, colon).replaceAll("^\\[|\\]$", ""), String.valueOf(port)};
    }

    private static String nodeName(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "carrier-" + ProcessHandle.current().pid();
        }
    }

    /** Whether a change from {@code previous} needs a new connection (not only a new prefix or node name). */
    boolean connectsElsewhere(ClusterSettings previous) {
        return previous == null || !uri.toString().equals(previous.uri.toString()) || !where.equals(previous.where)
                || !login.equals(previous.login)
                || !commandTimeout.equals(previous.commandTimeout) || !connectTimeout.equals(previous.connectTimeout);
    }
}
