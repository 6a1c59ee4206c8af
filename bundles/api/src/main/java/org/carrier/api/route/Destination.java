package org.carrier.api.route;

/**
 * The kind of destination a route decision names. It decides who may send to a recipient:
 * anyone may send to {@link #LOCAL} recipients; {@link #REMOTE} recipients need relay permission
 * (RFC 5321 §3.6 and §7.1: never an open relay).
 */
public enum Destination {
    /** A mailbox on this host. */
    LOCAL,
    /** Another host: relayed via a route's next hops. */
    REMOTE,
    /** Not deliverable; the decision carries the reply to give. */
    REFUSED
}
