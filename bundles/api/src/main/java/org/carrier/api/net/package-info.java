/**
 * Network values shared by the parts that match client addresses (allow lists, per-network keys, the network
 * failed logins are counted for), this host's name, and a host and port as settings write them.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.carrier.api.net;
