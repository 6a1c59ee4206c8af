/**
 * The durable mail queue: accepting a message with its envelope, inspecting what is queued, and the
 * operations on it (hold, release, delete, retry, re-route).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.carrier.api.queue;
