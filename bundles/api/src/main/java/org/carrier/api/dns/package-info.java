/**
 * The DNS resolver service used for MX routing and by filters.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.1")
package org.carrier.api.dns;
