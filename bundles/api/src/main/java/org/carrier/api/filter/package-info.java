/**
 * SMTP filters: the hooks that run at each stage of an SMTP session and the immutable results they return.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.carrier.api.filter;
