/**
 * The shell socket ({@code data/run/carrier.sock}) as both ends speak it: the admin bundle's server and the
 * {@code bin/carrier shell} client of the tools jar.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.carrier.api.shell;
