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

    /**
     * The MX records of a domain with their DNSSEC status (RFC 7672 §2.2.1: DANE applies only to MX hosts from a
     * secure MX answer). NXDOMAIN and NODATA give an empty answer with the status of the denial; a bogus answer fails
     * as {@link DnsLookupException.Kind#TEMPORARY} ("DNSSEC bogus: ...").
     */
    CompletionStage<DnsAnswer<MxRecord>> mxAnswer(String domain);

    /**
     * The IPv6 and IPv4 addresses of a host (AAAA and A) with their DNSSEC status: {@link DnssecStatus#SECURE} only
     * if both answers are (RFC 7672 §2.2.2). Empty when neither family has an address; a bogus answer of either
     * family fails as {@link DnsLookupException.Kind#TEMPORARY}.
     */
    CompletionStage<DnsAnswer<InetAddress>> addressesAnswer(String host);

    /**
     * The TLSA records at {@code name} (RFC 6698 §3, e.g. {@code _25._tcp.mx.example.} for SMTP, RFC 7672 §2.2.3),
     * with their DNSSEC status. NXDOMAIN and NODATA give an empty answer with the status of the denial; a bogus
     * answer fails as {@link DnsLookupException.Kind#TEMPORARY} ("DNSSEC bogus: ...").
     */
    CompletionStage<DnsAnswer<TlsaRecord>> tlsa(String name);
}
