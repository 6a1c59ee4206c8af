/**
 * Routing: where a recipient's mail goes (local mailbox, relay, or refusal).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.6.0")
package org.carrier.api.route;
