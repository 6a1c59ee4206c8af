/**
 * Network values shared by the parts that match client addresses (allow lists, per-network keys, the network
 * failed logins are counted for), and this host's name.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.carrier.api.net;
