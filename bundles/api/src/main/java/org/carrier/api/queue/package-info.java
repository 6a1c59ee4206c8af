/**
 * The durable mail queue: accepting a message with its envelope, and inspecting what is queued.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.queue;
