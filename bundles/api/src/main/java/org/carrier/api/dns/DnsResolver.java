package org.carrier.api.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The DNS resolver service. Every lookup is asynchronous; a stage that completes exceptionally
 * does so with a {@link DnsLookupException} telling "does not exist" from "try again later".
 */
@ProviderType
public interface DnsResolver {

    /** The MX records of a domain (RFC 5321 §5.1), in no particular order. */
    CompletionStage<List<MxRecord>> mx(String domain);

    /** The IPv6 and IPv4 addresses of a host (AAAA and A records). */
    CompletionStage<List<InetAddress>> addresses(String host);

    /**
     * The IPv4 addresses of a host (A records only): one question, so that "no such record" and "no answer" are
     * those of this type alone (e.g. the SPF {@code a} and {@code mx} mechanisms for an IPv4 client, RFC 7208 §5.3).
     */
    CompletionStage<List<InetAddress>> ipv4Addresses(String host);

    /** The IPv6 addresses of a host (AAAA records only), one question as for {@link #ipv4Addresses}. */
    CompletionStage<List<InetAddress>> ipv6Addresses(String host);

    /**
     * The TXT records of a name, each one's strings joined (RFC 7208 §3.3) and decoded as UTF-8: the text exactly as
     * published, without zone-file escapes (bytes that are not UTF-8 become U+FFFD, so never pass for ASCII).
     */
    CompletionStage<List<String>> txt(String name);

    /** The names a reverse (PTR) lookup gives for an address. */
    CompletionStage<List<String>> ptr(InetAddress address);
}
