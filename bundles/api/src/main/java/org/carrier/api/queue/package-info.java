/**
 * The durable mail queue: accepting a message with its envelope, inspecting what is queued, and the
 * operations on it (hold, release, delete, retry, re-route).
 * <p>
 * 2.1: {@link org.carrier.api.queue.IncomingMessage#rewrite()}, for the data filters' edits before commit.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package org.carrier.api.queue;
