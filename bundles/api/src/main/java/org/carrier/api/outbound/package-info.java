/**
 * The outbound stage: hooks run on a queued message just before a remote transport sends it, with the content as it
 * goes on the wire (after any 8BITMIME downgrade), so that a signature made here is a signature of what is sent.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.outbound;
