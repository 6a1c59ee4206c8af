/**
 * Network values shared by the parts that match client addresses (allow lists, per-network keys).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.carrier.api.net;
