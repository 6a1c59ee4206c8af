/**
 * Transports: the delivery agents that carry a queued message to its recipients.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.carrier.api.transport;
