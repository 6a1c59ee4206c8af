/**
 * Reading configuration the same way in every bundle: a value that cannot be used is one log line naming the file,
 * the key, the value and what is expected, and the settings in force stay ({@link ConfigGuard}); lists of domains
 * and names parsed by one rule ({@link ConfigLists}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.carrier.api.config;
