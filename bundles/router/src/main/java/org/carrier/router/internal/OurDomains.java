package org.carrier.router.internal;

/**
 * Which domains are ours (local and virtual), as the router's settings say now: a service of this bundle only, so
 * that {@link SrsOutboundFilter} never rewrites a sender of ours and the rule stays the router's.
 */
public interface OurDomains {
    boolean isOurs(String domain);
}
